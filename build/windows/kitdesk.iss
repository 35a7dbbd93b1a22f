; Inno Setup 6 script: makes build\dist\Kitdesk-Setup-<version>.exe, a per-user or
; per-machine installer for the PyInstaller bundle in build\dist\kitdesk, which also
; installs the Microsoft Edge WebView2 Runtime when it is missing.
; Run on Windows after `make bundle` (or the PyInstaller command in build/README.md):
;     powershell -ExecutionPolicy Bypass -File build\windows\build_installer.ps1
; which downloads the WebView2 bootstrapper and calls
;     iscc /DAppVersion=<version> build\windows\kitdesk.iss

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Kitdesk"
#define AppExe "kitdesk.exe"
#define Root "..\.."

[Setup]
AppId={{6C0F5E0B-6B53-4C43-9A67-4B1D3C7F2A11}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Kitdesk
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without elevation; an administrator may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\build\dist
OutputBaseFilename=Kitdesk-Setup-{#AppVersion}
SetupIconFile={#Root}\desktop\kitdesk\assets\kitdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
MinVersion=10.0.17763

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\build\dist\kitdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The Evergreen bootstrapper (about 2 MB) fetches the runtime from Microsoft when it is missing.
Source: "MicrosoftEdgeWebview2Setup.exe"; DestDir: "{tmp}"; Flags: deleteafterinstall; Check: NeedsWebView2

; An update replaces the whole bundle: files the new version no longer ships must not linger.
[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{tmp}\MicrosoftEdgeWebview2Setup.exe"; Parameters: "/silent /install"; StatusMsg: "Installing the Microsoft Edge WebView2 Runtime..."; Check: NeedsWebView2; Flags: waituntilterminated
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
; Kitdesk's updater runs this installer with /SILENT /relaunch=yes after quitting: start it again.
Filename: "{app}\{#AppExe}"; Flags: nowait; Check: RelaunchAfterUpdate

[Code]
function RelaunchAfterUpdate: Boolean;
begin
  Result := WizardSilent and (ExpandConstant('{param:relaunch|no}') = 'yes');
end;

// WebView2 registers its version under this client id (per machine, 64- or 32-bit view, or per user).
const
  WebView2Key = 'Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}';

function HasVersion(Root: Integer; Key: String): Boolean;
var
  Version: String;
begin
  Result := RegQueryStringValue(Root, Key, 'pv', Version) and (Version <> '') and (Version <> '0.0.0.0');
end;

function NeedsWebView2: Boolean;
begin
  Result := not (HasVersion(HKLM, 'SOFTWARE\WOW6432Node\' + WebView2Key) or
                 HasVersion(HKLM, 'SOFTWARE\' + WebView2Key) or
                 HasVersion(HKCU, 'Software\' + WebView2Key));
end;

# Makes build\dist\Kitdesk-Setup-<version>.exe (Inno Setup) from the bundle in build\dist\kitdesk.
# Run from the repository root on Windows, after the bundle is built:
#     py -3.11 -m venv .venv; .venv\Scripts\pip install -e ".[dev]"
#     cd webui; npm ci; npm run build; cd ..
#     .venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath build/dist --workpath build/pyinstaller-work build/kitdesk.spec
#     powershell -ExecutionPolicy Bypass -File build\windows\build_installer.ps1
# Needs Inno Setup 6 (choco install innosetup). Signing is optional: with
# WINDOWS_SIGN_PFX (path to a .pfx) and WINDOWS_SIGN_PASSWORD set, the app and the
# installer are signed with signtool; without them this step is skipped.
$ErrorActionPreference = "Stop"
$root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $root

$version = (Select-String -Path pyproject.toml -Pattern '^version\s*=\s*"([^"]+)"').Matches[0].Groups[1].Value
if (-not (Test-Path "build\dist\kitdesk\kitdesk.exe")) { throw "No bundle at build\dist\kitdesk; build it first (see this file's header)." }

# The WebView2 Evergreen bootstrapper, bundled so the installer can add the runtime when missing.
$bootstrapper = "build\windows\MicrosoftEdgeWebview2Setup.exe"
if (-not (Test-Path $bootstrapper)) {
    Invoke-WebRequest -Uri "https://go.microsoft.com/fwlink/p/?LinkId=2124703" -OutFile $bootstrapper
}

function Sign-File([string]$path) {
    if (-not $env:WINDOWS_SIGN_PFX) { Write-Host "signing skipped (WINDOWS_SIGN_PFX not set): $path"; return }
    $signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" | Sort-Object FullName | Select-Object -Last 1
    & $signtool.FullName sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /f $env:WINDOWS_SIGN_PFX /p $env:WINDOWS_SIGN_PASSWORD $path
    if ($LASTEXITCODE -ne 0) { throw "signtool failed for $path" }
}

Sign-File "build\dist\kitdesk\kitdesk.exe"

$isccCommand = Get-Command iscc -ErrorAction SilentlyContinue
$iscc = if ($isccCommand) { $isccCommand.Source } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" "build\windows\kitdesk.iss"
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }

$installer = "build\dist\Kitdesk-Setup-$version.exe"
Sign-File $installer
Write-Host "made $installer"

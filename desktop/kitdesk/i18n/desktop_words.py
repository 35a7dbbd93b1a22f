"""The desktop window's own words: the tray menu and why a global shortcut cannot be used.

The tray exists before the web UI loads and the shortcut's reason is built by the
window, so neither can use the web UI's translations; they live here, one dict per
shipped language, and ``kitdesk.i18n.catalog`` merges them into the server's catalog
(so the catalog tests hold them to every language and the same placeholders).
"""

from __future__ import annotations

DESKTOP_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "tray.new_chat": "New chat",
        "tray.new_window": "New window",
        "tray.quick_ask": "Quick ask",
        "tray.toggle": "Show/Hide Kitdesk",
        "tray.quit": "Quit Kitdesk",
        "hotkey.taken": "Another program already uses this shortcut. Choose another one.",
        "hotkey.not_combination": "“{text}” is not a key combination: use modifiers and a key, "
        "like Ctrl+Alt+Space.",
        "hotkey.not_modifier": "“{name}” is not a modifier key (use Ctrl, Alt, Shift or Super).",
        "hotkey.unknown_key": "“{name}” is not a key this keyboard has.",
        "hotkey.wayland": "Wayland does not let apps set global shortcuts. Bind "
        "`kitdesk --quick-ask` in your desktop's keyboard shortcut settings instead.",
        "hotkey.no_display": "There is no X display to listen for a global shortcut on.",
        "hotkey.failed": "The system did not accept this shortcut (error {code}). "
        "Choose another one.",
        "hotkey.unavailable": "Global shortcuts are not available in this window.",
    },
    "de": {
        "tray.new_chat": "Neuer Chat",
        "tray.new_window": "Neues Fenster",
        "tray.quick_ask": "Schnellfrage",
        "tray.toggle": "Kitdesk zeigen/ausblenden",
        "tray.quit": "Kitdesk beenden",
        "hotkey.taken": "Ein anderes Programm verwendet dieses Tastenkürzel bereits. "
        "Wähle ein anderes.",
        "hotkey.not_combination": "„{text}“ ist keine Tastenkombination: Verwende "
        "Sondertasten und eine Taste, etwa Ctrl+Alt+Space.",
        "hotkey.not_modifier": "„{name}“ ist keine Sondertaste (verwende Ctrl, Alt, Shift "
        "oder Super).",
        "hotkey.unknown_key": "„{name}“ ist keine Taste dieser Tastatur.",
        "hotkey.wayland": "Wayland erlaubt Apps keine globalen Tastenkürzel. Lege "
        "`kitdesk --quick-ask` stattdessen in den Tastenkürzel-Einstellungen deiner "
        "Arbeitsumgebung fest.",
        "hotkey.no_display": "Es gibt keine X-Anzeige, auf der ein globales Tastenkürzel "
        "empfangen werden kann.",
        "hotkey.failed": "Das System hat dieses Tastenkürzel nicht angenommen (Fehler {code}). "
        "Wähle ein anderes.",
        "hotkey.unavailable": "Globale Tastenkürzel sind in diesem Fenster nicht verfügbar.",
    },
    "fr": {
        "tray.new_chat": "Nouvelle discussion",
        "tray.new_window": "Nouvelle fenêtre",
        "tray.quick_ask": "Question rapide",
        "tray.toggle": "Afficher/Masquer Kitdesk",
        "tray.quit": "Quitter Kitdesk",
        "hotkey.taken": "Un autre programme utilise déjà ce raccourci. Choisissez-en un autre.",
        "hotkey.not_combination": "« {text} » n’est pas une combinaison de touches : utilisez "
        "des touches de modification et une touche, comme Ctrl+Alt+Space.",
        "hotkey.not_modifier": "« {name} » n’est pas une touche de modification (utilisez Ctrl, "
        "Alt, Shift ou Super).",
        "hotkey.unknown_key": "« {name} » n’est pas une touche de ce clavier.",
        "hotkey.wayland": "Wayland ne permet pas aux applications de définir des raccourcis "
        "globaux. Associez plutôt `kitdesk --quick-ask` à un raccourci dans les paramètres "
        "clavier de votre bureau.",
        "hotkey.no_display": "Aucun affichage X n’est disponible pour écouter un raccourci global.",
        "hotkey.failed": "Le système n’a pas accepté ce raccourci (erreur {code}). "
        "Choisissez-en un autre.",
        "hotkey.unavailable": "Les raccourcis globaux ne sont pas disponibles dans cette fenêtre.",
    },
    "es": {
        "tray.new_chat": "Nuevo chat",
        "tray.new_window": "Nueva ventana",
        "tray.quick_ask": "Pregunta rápida",
        "tray.toggle": "Mostrar/Ocultar Kitdesk",
        "tray.quit": "Salir de Kitdesk",
        "hotkey.taken": "Otro programa ya usa este atajo. Elige otro.",
        "hotkey.not_combination": "«{text}» no es una combinación de teclas: usa teclas "
        "modificadoras y una tecla, como Ctrl+Alt+Space.",
        "hotkey.not_modifier": "«{name}» no es una tecla modificadora (usa Ctrl, Alt, Shift "
        "o Super).",
        "hotkey.unknown_key": "«{name}» no es una tecla de este teclado.",
        "hotkey.wayland": "Wayland no permite que las aplicaciones definan atajos globales. "
        "Asigna `kitdesk --quick-ask` en los ajustes de atajos de teclado de tu escritorio.",
        "hotkey.no_display": "No hay una pantalla X en la que escuchar un atajo global.",
        "hotkey.failed": "El sistema no aceptó este atajo (error {code}). Elige otro.",
        "hotkey.unavailable": "Los atajos globales no están disponibles en esta ventana.",
    },
    "ja": {
        "tray.new_chat": "新しいチャット",
        "tray.new_window": "新しいウィンドウ",
        "tray.quick_ask": "クイック質問",
        "tray.toggle": "Kitdesk を表示/非表示",
        "tray.quit": "Kitdesk を終了",
        "hotkey.taken": "このショートカットは別のプログラムが使用しています。"
        "別のものを選んでください。",
        "hotkey.not_combination": "「{text}」はキーの組み合わせではありません。"
        "Ctrl+Alt+Space のように修飾キーとキーを指定してください。",
        "hotkey.not_modifier": "「{name}」は修飾キーではありません（Ctrl、Alt、Shift、"
        "Super のいずれかを使ってください）。",
        "hotkey.unknown_key": "「{name}」はこのキーボードにないキーです。",
        "hotkey.wayland": "Wayland ではアプリがグローバルショートカットを設定できません。"
        "代わりにデスクトップのキーボードショートカット設定で `kitdesk --quick-ask` "
        "を割り当ててください。",
        "hotkey.no_display": "グローバルショートカットを受け取る X ディスプレイがありません。",
        "hotkey.failed": "システムがこのショートカットを受け付けませんでした（エラー {code}）。"
        "別のものを選んでください。",
        "hotkey.unavailable": "このウィンドウではグローバルショートカットを使えません。",
    },
    "zh-CN": {
        "tray.new_chat": "新聊天",
        "tray.new_window": "新建窗口",
        "tray.quick_ask": "快速提问",
        "tray.toggle": "显示/隐藏 Kitdesk",
        "tray.quit": "退出 Kitdesk",
        "hotkey.taken": "其他程序已在使用此快捷键。请另选一个。",
        "hotkey.not_combination": "“{text}”不是组合键：请使用修饰键加一个键，例如 Ctrl+Alt+Space。",
        "hotkey.not_modifier": "“{name}”不是修饰键（请使用 Ctrl、Alt、Shift 或 Super）。",
        "hotkey.unknown_key": "此键盘没有“{name}”键。",
        "hotkey.wayland": "Wayland 不允许应用设置全局快捷键。请改在桌面的键盘快捷键设置中"
        "绑定 `kitdesk --quick-ask`。",
        "hotkey.no_display": "没有可用于监听全局快捷键的 X 显示。",
        "hotkey.failed": "系统未接受此快捷键（错误 {code}）。请另选一个。",
        "hotkey.unavailable": "此窗口中无法使用全局快捷键。",
    },
    "pt-BR": {
        "tray.new_chat": "Novo chat",
        "tray.new_window": "Nova janela",
        "tray.quick_ask": "Pergunta rápida",
        "tray.toggle": "Mostrar/Ocultar Kitdesk",
        "tray.quit": "Sair do Kitdesk",
        "hotkey.taken": "Outro programa já usa este atalho. Escolha outro.",
        "hotkey.not_combination": "“{text}” não é uma combinação de teclas: use teclas "
        "modificadoras e uma tecla, como Ctrl+Alt+Space.",
        "hotkey.not_modifier": "“{name}” não é uma tecla modificadora (use Ctrl, Alt, Shift "
        "ou Super).",
        "hotkey.unknown_key": "“{name}” não é uma tecla deste teclado.",
        "hotkey.wayland": "O Wayland não permite que aplicativos definam atalhos globais. "
        "Associe `kitdesk --quick-ask` nas configurações de atalhos de teclado do seu "
        "ambiente de trabalho.",
        "hotkey.no_display": "Não há uma tela X para ouvir um atalho global.",
        "hotkey.failed": "O sistema não aceitou este atalho (erro {code}). Escolha outro.",
        "hotkey.unavailable": "Atalhos globais não estão disponíveis nesta janela.",
    },
    "ar": {
        "tray.new_chat": "محادثة جديدة",
        "tray.new_window": "نافذة جديدة",
        "tray.quick_ask": "سؤال سريع",
        "tray.toggle": "إظهار/إخفاء Kitdesk",
        "tray.quit": "إنهاء Kitdesk",
        "hotkey.taken": "يستخدم برنامج آخر هذا الاختصار بالفعل. اختر اختصارًا آخر.",
        "hotkey.not_combination": "«{text}» ليس مجموعة مفاتيح: استخدم مفاتيح تعديل ومفتاحًا، "
        "مثل Ctrl+Alt+Space.",
        "hotkey.not_modifier": "«{name}» ليس مفتاح تعديل (استخدم Ctrl أو Alt أو Shift أو Super).",
        "hotkey.unknown_key": "«{name}» ليس مفتاحًا في لوحة المفاتيح هذه.",
        "hotkey.wayland": "لا يسمح Wayland للتطبيقات بتعيين اختصارات عامة. اربط "
        "`kitdesk --quick-ask` في إعدادات اختصارات لوحة المفاتيح في سطح المكتب بدلًا من ذلك.",
        "hotkey.no_display": "لا توجد شاشة X للاستماع إلى اختصار عام.",
        "hotkey.failed": "لم يقبل النظام هذا الاختصار (الخطأ {code}). اختر اختصارًا آخر.",
        "hotkey.unavailable": "الاختصارات العامة غير متاحة في هذه النافذة.",
    },
}

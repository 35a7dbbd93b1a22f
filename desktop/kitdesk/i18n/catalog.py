"""The server's sentences in every shipped language, and which plural form a count takes.

One dict per language (the codes of ``kitdesk.settings.LANGUAGES``), keys as in
English; text that lands in markdown (the activity's result line) carries its
markup. A key ending in ``.one``/``.other`` (and Arabic's ``.zero``/``.two``/
``.few``/``.many``) is a plural form chosen by ``plural_category``; every
language has every form its rule can pick (tests/test_i18n.py checks both).
"""

from __future__ import annotations

from typing import Literal

from kitdesk.i18n.desktop_words import DESKTOP_WORDS

PluralCategory = Literal["zero", "one", "two", "few", "many", "other"]
DEFAULT_LANGUAGE = "en"


def plural_category(language: str, count: int) -> PluralCategory:
    """The CLDR cardinal category of a whole number ``count`` in ``language``."""
    if language in ("ja", "zh-CN"):
        return "other"
    if language in ("fr", "pt-BR"):
        return "one" if count in (0, 1) else "other"
    if language == "ar":
        rest = count % 100
        if count in (0, 1, 2):
            return ("zero", "one", "two")[count]
        if 3 <= rest <= 10:
            return "few"
        if 11 <= rest <= 99:
            return "many"
        return "other"
    return "one" if count == 1 else "other"


CATALOG: dict[str, dict[str, str]] = {
    "en": {
        "approval.title": "Allow {tool}?",
        "approval.asks_server": "The model wants to use a tool of the server “{server}”.",
        "approval.asks": "The model wants to use a tool.",
        "approval.once": "Allow once",
        "approval.always": "Always allow this tool",
        "approval.deny": "Deny",
        "approval.copy": "Tool approval: {tool}",
        "approval.gone": "This request was already answered, or a newer message replaced it.",
        "decided.once": "Allowed once.",
        "decided.always": "Allowed; this tool will run without asking in this chat.",
        "decided.deny": "Denied. The model was told the tool was not run.",
        "decided.superseded": "Not answered: a newer message came first. The tool was not run.",
        "activity.arguments": "Arguments",
        "activity.done": "**Result** (done, {seconds} s)",
        "activity.failed": "**Result** (failed, {seconds} s)",
        "activity.used.one": "Used {count} tool",
        "activity.used.other": "Used {count} tools",
        "steps.limit": "Kitdesk stopped after {limit} tool steps, the limit set in Settings. "
        "Send another message to let the model go on, or raise the limit.",
        "answer.cut_off": "The answer was cut off before {provider} finished it.",
        "number.decimal": ".",
    },
    "de": {
        "approval.title": "{tool} erlauben?",
        "approval.asks_server": "Das Modell möchte ein Tool des Servers „{server}“ verwenden.",
        "approval.asks": "Das Modell möchte ein Tool verwenden.",
        "approval.once": "Einmal erlauben",
        "approval.always": "Dieses Tool immer erlauben",
        "approval.deny": "Ablehnen",
        "approval.copy": "Tool-Freigabe: {tool}",
        "approval.gone": "Diese Anfrage wurde bereits beantwortet "
        "oder durch eine neuere Nachricht ersetzt.",
        "decided.once": "Einmal erlaubt.",
        "decided.always": "Erlaubt; dieses Tool läuft in diesem Chat ohne Nachfrage.",
        "decided.deny": "Abgelehnt. Das Modell weiß, dass das Tool nicht ausgeführt wurde.",
        "decided.superseded": "Nicht beantwortet: Eine neuere Nachricht kam zuerst. "
        "Das Tool wurde nicht ausgeführt.",
        "activity.arguments": "Argumente",
        "activity.done": "**Ergebnis** (fertig, {seconds} s)",
        "activity.failed": "**Ergebnis** (fehlgeschlagen, {seconds} s)",
        "activity.used.one": "{count} Tool verwendet",
        "activity.used.other": "{count} Tools verwendet",
        "steps.limit": "Kitdesk hat angehalten: Das in den Einstellungen festgelegte Limit "
        "für Tool-Schritte ({limit}) ist erreicht. Sende eine weitere Nachricht, damit das "
        "Modell weitermacht, oder erhöhe das Limit.",
        "answer.cut_off": "Die Antwort wurde abgeschnitten, bevor {provider} sie beenden konnte.",
        "number.decimal": ",",
    },
    "fr": {
        "approval.title": "Autoriser {tool} ?",
        "approval.asks_server": "Le modèle veut utiliser un outil du serveur « {server} ».",
        "approval.asks": "Le modèle veut utiliser un outil.",
        "approval.once": "Autoriser une fois",
        "approval.always": "Toujours autoriser cet outil",
        "approval.deny": "Refuser",
        "approval.copy": "Autorisation d’outil : {tool}",
        "approval.gone": "Cette demande a déjà reçu une réponse, "
        "ou un message plus récent l’a remplacée.",
        "decided.once": "Autorisé une fois.",
        "decided.always": "Autorisé ; cet outil s’exécutera sans demander dans cette conversation.",
        "decided.deny": "Refusé. Le modèle sait que l’outil n’a pas été exécuté.",
        "decided.superseded": "Sans réponse : un message plus récent est arrivé avant. "
        "L’outil n’a pas été exécuté.",
        "activity.arguments": "Arguments",
        "activity.done": "**Résultat** (terminé, {seconds} s)",
        "activity.failed": "**Résultat** (échec, {seconds} s)",
        "activity.used.one": "{count} outil utilisé",
        "activity.used.other": "{count} outils utilisés",
        "steps.limit": "Kitdesk s’est arrêté : la limite d’étapes d’outils fixée dans les "
        "Paramètres ({limit}) est atteinte. Envoyez un autre message pour que le modèle "
        "continue, ou augmentez la limite.",
        "answer.cut_off": "La réponse a été coupée avant que {provider} ne la termine.",
        "number.decimal": ",",
    },
    "es": {
        "approval.title": "¿Permitir {tool}?",
        "approval.asks_server": "El modelo quiere usar una herramienta del servidor «{server}».",
        "approval.asks": "El modelo quiere usar una herramienta.",
        "approval.once": "Permitir una vez",
        "approval.always": "Permitir siempre esta herramienta",
        "approval.deny": "Denegar",
        "approval.copy": "Aprobación de herramienta: {tool}",
        "approval.gone": "Esta solicitud ya tiene respuesta, o un mensaje más reciente "
        "la reemplazó.",
        "decided.once": "Permitida una vez.",
        "decided.always": "Permitida; esta herramienta se ejecutará sin preguntar en este chat.",
        "decided.deny": "Denegada. El modelo sabe que la herramienta no se ejecutó.",
        "decided.superseded": "Sin respuesta: antes llegó un mensaje más reciente. "
        "La herramienta no se ejecutó.",
        "activity.arguments": "Argumentos",
        "activity.done": "**Resultado** (completado, {seconds} s)",
        "activity.failed": "**Resultado** (con error, {seconds} s)",
        "activity.used.one": "Se usó {count} herramienta",
        "activity.used.other": "Se usaron {count} herramientas",
        "steps.limit": "Kitdesk se detuvo: se alcanzó el límite de pasos de herramientas "
        "fijado en Configuración ({limit}). Envía otro mensaje para que el modelo continúe, "
        "o sube el límite.",
        "answer.cut_off": "La respuesta se cortó antes de que {provider} la terminara.",
        "number.decimal": ",",
    },
    "ja": {
        "approval.title": "{tool} を許可しますか？",
        "approval.asks_server": "モデルがサーバー「{server}」のツールを使おうとしています。",
        "approval.asks": "モデルがツールを使おうとしています。",
        "approval.once": "今回のみ許可",
        "approval.always": "このツールを常に許可",
        "approval.deny": "拒否",
        "approval.copy": "ツールの承認: {tool}",
        "approval.gone": "このリクエストは回答済みか、新しいメッセージに置き換えられました。",
        "decided.once": "今回のみ許可しました。",
        "decided.always": "許可しました。このチャットでは、このツールは確認なしで実行されます。",
        "decided.deny": "拒否しました。ツールを実行しなかったことをモデルに伝えました。",
        "decided.superseded": "未回答: 先に新しいメッセージが送られたため、"
        "ツールは実行されませんでした。",
        "activity.arguments": "引数",
        "activity.done": "**結果**（完了、{seconds} 秒）",
        "activity.failed": "**結果**（失敗、{seconds} 秒）",
        "activity.used.other": "{count} 個のツールを使用",
        "steps.limit": "設定で決めたツールのステップ数の上限（{limit}）に達したため、"
        "Kitdesk は停止しました。続けるにはもう一度メッセージを送るか、上限を引き上げてください。",
        "answer.cut_off": "{provider} が回答を終える前に途切れました。",
        "number.decimal": ".",
    },
    "zh-CN": {
        "approval.title": "允许使用 {tool}？",
        "approval.asks_server": "模型想要使用服务器“{server}”的一个工具。",
        "approval.asks": "模型想要使用一个工具。",
        "approval.once": "允许一次",
        "approval.always": "始终允许此工具",
        "approval.deny": "拒绝",
        "approval.copy": "工具审批：{tool}",
        "approval.gone": "此请求已得到答复，或已被更新的消息取代。",
        "decided.once": "已允许一次。",
        "decided.always": "已允许；在此对话中，此工具将直接运行，不再询问。",
        "decided.deny": "已拒绝。已告知模型该工具未运行。",
        "decided.superseded": "未答复：一条更新的消息先到了。该工具未运行。",
        "activity.arguments": "参数",
        "activity.done": "**结果**（完成，{seconds} 秒）",
        "activity.failed": "**结果**（失败，{seconds} 秒）",
        "activity.used.other": "使用了 {count} 个工具",
        "steps.limit": "Kitdesk 已停止：已达到设置中规定的工具步骤上限（{limit}）。"
        "再发送一条消息让模型继续，或提高上限。",
        "answer.cut_off": "回答在 {provider} 完成之前被中断了。",
        "number.decimal": ".",
    },
    "pt-BR": {
        "approval.title": "Permitir {tool}?",
        "approval.asks_server": "O modelo quer usar uma ferramenta do servidor “{server}”.",
        "approval.asks": "O modelo quer usar uma ferramenta.",
        "approval.once": "Permitir uma vez",
        "approval.always": "Sempre permitir esta ferramenta",
        "approval.deny": "Negar",
        "approval.copy": "Aprovação de ferramenta: {tool}",
        "approval.gone": "Esta solicitação já foi respondida, ou uma mensagem mais recente "
        "a substituiu.",
        "decided.once": "Permitida uma vez.",
        "decided.always": "Permitida; esta ferramenta será executada sem perguntar nesta conversa.",
        "decided.deny": "Negada. O modelo foi informado de que a ferramenta não foi executada.",
        "decided.superseded": "Sem resposta: uma mensagem mais recente chegou antes. "
        "A ferramenta não foi executada.",
        "activity.arguments": "Argumentos",
        "activity.done": "**Resultado** (concluído, {seconds} s)",
        "activity.failed": "**Resultado** (falhou, {seconds} s)",
        "activity.used.one": "{count} ferramenta usada",
        "activity.used.other": "{count} ferramentas usadas",
        "steps.limit": "O Kitdesk parou: o limite de etapas de ferramentas definido em "
        "Configurações ({limit}) foi atingido. Envie outra mensagem para o modelo continuar, "
        "ou aumente o limite.",
        "answer.cut_off": "A resposta foi interrompida antes que {provider} a concluísse.",
        "number.decimal": ",",
    },
    "ar": {
        "approval.title": "هل تسمح باستخدام {tool}؟",
        "approval.asks_server": "يريد النموذج استخدام أداة من الخادم «{server}».",
        "approval.asks": "يريد النموذج استخدام أداة.",
        "approval.once": "السماح مرة واحدة",
        "approval.always": "السماح بهذه الأداة دائمًا",
        "approval.deny": "رفض",
        "approval.copy": "الموافقة على أداة: {tool}",
        "approval.gone": "تمت الإجابة عن هذا الطلب من قبل، أو حلّت محله رسالة أحدث.",
        "decided.once": "تم السماح مرة واحدة.",
        "decided.always": "تم السماح؛ ستعمل هذه الأداة دون سؤال في هذه المحادثة.",
        "decided.deny": "تم الرفض. أُبلغ النموذج بأن الأداة لم تُشغَّل.",
        "decided.superseded": "لم تتم الإجابة: وصلت رسالة أحدث أولًا. لم تُشغَّل الأداة.",
        "activity.arguments": "الوسائط",
        "activity.done": "**النتيجة** (اكتملت، {seconds} ث)",
        "activity.failed": "**النتيجة** (فشلت، {seconds} ث)",
        "activity.used.zero": "لم تُستخدم أي أداة",
        "activity.used.one": "استُخدمت أداة واحدة",
        "activity.used.two": "استُخدمت أداتان",
        "activity.used.few": "استُخدمت {count} أدوات",
        "activity.used.many": "استُخدمت {count} أداة",
        "activity.used.other": "استُخدمت {count} أداة",
        "steps.limit": "توقف Kitdesk: بلغت خطوات الأدوات الحد المعيَّن في الإعدادات ({limit}). "
        "أرسل رسالة أخرى ليتابع النموذج، أو ارفع الحد.",
        "answer.cut_off": "انقطعت الإجابة قبل أن يُكملها {provider}.",
        "number.decimal": ".",
    },
}

# The desktop window's words (tray, global shortcut) are kept in their own module.
for _language, _words in DESKTOP_WORDS.items():
    CATALOG[_language].update(_words)

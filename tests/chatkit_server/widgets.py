"""One example of every widget type the ``chatkit`` SDK defines, and the counter widget.

The list of types is read from ``chatkit.widgets`` itself (the members of its
strict component and root unions), and ``example_widgets()`` fails loudly if a
type has no example, so a new SDK widget cannot be missed silently. Content
uses theme tokens only (no fixed colours), so each widget reads in light and
dark themes alike. Widgets are plain dicts validated by the SDK's own types.
"""

from __future__ import annotations

from typing import Any, get_args

from chatkit.widgets import StrictWidgetComponent, StrictWidgetRoot, WidgetRoot
from pydantic import TypeAdapter

Widget = dict[str, Any]
WIDGET_ROOT = TypeAdapter[WidgetRoot](WidgetRoot)
ROOT_TYPES = ("Card", "ListView", "Basic")


def sdk_widget_types() -> list[str]:
    """Every widget ``type`` in the installed SDK: components and roots."""
    members = get_args(get_args(StrictWidgetComponent)[0]) + get_args(get_args(StrictWidgetRoot)[0])
    return [member.model_fields["type"].default for member in members]


def text(value: str, **props: Any) -> Widget:
    return {"type": "Text", "value": value, **props}


def image_url(base_url: str) -> str:
    return f"{base_url}/static/sample.png"


def component_examples(base_url: str) -> dict[str, Widget]:
    """An example of each non-root component, keyed by type."""
    return {
        "Text": text("Plain text, medium weight.", weight="medium"),
        "Title": {"type": "Title", "value": "A title", "size": "lg"},
        "Caption": {"type": "Caption", "value": "A caption under something", "size": "md"},
        "Chart": {
            "type": "Chart",
            "data": [
                {"month": "Jan", "sales": 12, "costs": 8, "visits": 30},
                {"month": "Feb", "sales": 18, "costs": 9, "visits": 42},
                {"month": "Mar", "sales": 15, "costs": 11, "visits": 38},
            ],
            "series": [
                {"type": "bar", "label": "Sales", "dataKey": "sales"},
                {"type": "line", "label": "Costs", "dataKey": "costs", "color": "orange"},
                {"type": "area", "label": "Visits", "dataKey": "visits", "curveType": "monotone"},
            ],
            "xAxis": "month",
            "showLegend": True,
            "showTooltip": True,
            "height": 200,
        },
        "Badge": {"type": "Badge", "label": "Beta", "color": "info", "pill": True},
        "Markdown": {"type": "Markdown", "value": "**Bold**, `code` and a list:\n\n- one\n- two"},
        "Box": {
            "type": "Box",
            "padding": 2,
            "radius": "md",
            "border": 1,
            "children": [text("In a box")],
        },
        "Row": {
            "type": "Row",
            "gap": 2,
            "align": "center",
            "children": [text("Left"), text("Right")],
        },
        "Col": {"type": "Col", "gap": 1, "children": [text("Top"), text("Bottom")]},
        "Divider": {"type": "Divider", "spacing": 2},
        "Icon": {"type": "Icon", "name": "star", "size": "xl", "color": "secondary"},
        "Image": {
            "type": "Image",
            "src": image_url(base_url),
            "alt": "A four-colour test pattern",
            "size": 64,
            "radius": "md",
            "frame": True,
        },
        "ListViewItem": {"type": "ListViewItem", "children": [text("A list item")]},
        "Button": {
            "type": "Button",
            "label": "Press me",
            "style": "primary",
            "onClickAction": {"type": "increment", "payload": {"source": "widgets"}},
        },
        "Checkbox": {
            "type": "Checkbox",
            "name": "agree",
            "label": "I agree",
            "defaultChecked": True,
        },
        "Spacer": {"type": "Spacer", "minSize": 8},
        "Select": {
            "type": "Select",
            "name": "fruit",
            "placeholder": "Pick a fruit",
            "defaultValue": "pear",
            "options": [
                {"value": "apple", "label": "Apple"},
                {"value": "pear", "label": "Pear", "description": "Green and sweet"},
                {"value": "plum", "label": "Plum", "disabled": True},
            ],
        },
        "DatePicker": {
            "type": "DatePicker",
            "name": "date",
            "placeholder": "Pick a date",
            "defaultValue": "2026-05-04T00:00:00",
            "min": "2026-01-01T00:00:00",
            "max": "2026-12-31T00:00:00",
        },
        "Form": {
            "type": "Form",
            "direction": "col",
            "gap": 2,
            "onSubmitAction": {"type": "submit_form"},
            "children": [
                {"type": "Label", "value": "Your name", "fieldName": "name"},
                {"type": "Input", "name": "name", "placeholder": "Ada", "required": True},
                {"type": "Button", "label": "Send", "submit": True},
            ],
        },
        "Input": {
            "type": "Input",
            "name": "email",
            "inputType": "email",
            "placeholder": "you@example.com",
        },
        "Label": {"type": "Label", "value": "A label for a field", "fieldName": "email"},
        "RadioGroup": {
            "type": "RadioGroup",
            "name": "size",
            "ariaLabel": "Size",
            "defaultValue": "m",
            "direction": "row",
            "options": [
                {"label": "Small", "value": "s"},
                {"label": "Medium", "value": "m"},
                {"label": "Large", "value": "l"},
            ],
        },
        "Textarea": {"type": "Textarea", "name": "notes", "rows": 3, "placeholder": "Notes"},
        "Transition": {"type": "Transition", "children": text("Animated on change")},
    }


def root_for(widget_type: str, component: Widget | None) -> Widget:
    """The root that shows one widget type: the type's own root, or a card holding it."""
    if widget_type == "Card":
        return {
            "type": "Card",
            "size": "md",
            "status": {"text": "Card with actions", "icon": "sparkle"},
            "children": [{"type": "Caption", "value": "Card"}, text("A card with confirm/cancel.")],
            "confirm": {"label": "Confirm", "action": {"type": "confirm"}},
            "cancel": {"label": "Cancel", "action": {"type": "cancel"}},
        }
    if widget_type in ("ListView", "ListViewItem"):
        items = [
            {
                "type": "ListViewItem",
                "gap": 2,
                "onClickAction": {"type": "pick", "payload": {"name": name}},
                "children": [{"type": "Icon", "name": "check"}, text(name)],
            }
            for name in ("First", "Second", "Third")
        ]
        return {"type": "ListView", "limit": 2, "children": items}
    if widget_type == "Basic":
        return {
            "type": "Basic",
            "children": [{"type": "Caption", "value": "Basic"}, text("A bare root.")],
        }
    assert component is not None
    if widget_type == "Spacer":
        component = {"type": "Row", "children": [text("Start"), component, text("End")]}
    return {"type": "Card", "children": [{"type": "Caption", "value": widget_type}, component]}


def example_widgets(base_url: str) -> list[tuple[str, WidgetRoot]]:
    """(type, validated root) for every SDK widget type, in the SDK's order."""
    examples = component_examples(base_url)
    missing = [t for t in sdk_widget_types() if t not in examples and t not in ROOT_TYPES]
    if missing:
        raise RuntimeError(f"no example for widget types {missing}; add them to widgets.py")
    return [
        (widget_type, WIDGET_ROOT.validate_python(root_for(widget_type, examples.get(widget_type))))
        for widget_type in sdk_widget_types()
    ]


def counter_widget(count: int) -> WidgetRoot:
    """A counter with a streamed and a synchronous increment, and a client-handled action."""
    return WIDGET_ROOT.validate_python(
        {
            "type": "Card",
            "key": "counter",
            "children": [
                {"type": "Title", "value": f"Count: {count}", "id": "count"},
                {
                    "type": "Row",
                    "gap": 2,
                    "children": [
                        {
                            "type": "Button",
                            "label": "Increment",
                            "onClickAction": {"type": "increment", "payload": {"count": count}},
                        },
                        {
                            "type": "Button",
                            "label": "Increment (sync)",
                            "onClickAction": {
                                "type": "increment",
                                "payload": {"count": count},
                                "streaming": False,
                            },
                        },
                        {
                            "type": "Button",
                            "label": "Handled by the client",
                            "onClickAction": {
                                "type": "client.highlight",
                                "payload": {"count": count},
                                "handler": "client",
                            },
                        },
                    ],
                },
            ],
        }
    )

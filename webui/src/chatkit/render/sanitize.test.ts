import { describe, expect, it } from "vitest";
import { isAllowedImageSource, sanitizeHtml } from "./sanitize";
import { assertInert, dom } from "../test/page";


const HOSTILE = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt:alert(1)">click</a>',
  '<a href="  javascript:alert(1)">click</a>',
  '<a href="java\tscript:alert(1)">click</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<svg onload=alert(1)><circle r="10"/></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<iframe src="https://evil.example"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="x.swf"></object><embed src="x.swf">',
  '<form action="https://evil.example"><input name=a><button>go</button></form>',
  '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
  '<style>*{color:red}</style>',
  '<p onmouseover="alert(1)">hover</p>',
  '<details open ontoggle=alert(1)>x</details>',
  '<body onload=alert(1)>',
  '<img src="https://tracker.example/pixel.gif">',
  '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
  '<a href="https://ok.example" onclick="alert(1)" target="_self">ok</a>',
  '<button onclick="alert(1)">b</button>',
  '<base href="https://evil.example/">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<template><script>alert(1)</script></template>',
];

describe("sanitizeHtml", () => {
  it.each(HOSTILE)("leaves nothing executable in %s", (html) => {
    assertInert(sanitizeHtml(html));
  });

  it("keeps safe links and opens them outside the app", () => {
    const a = dom(sanitizeHtml('<a href="https://example.com/x?y=1">ok</a>')).querySelector("a")!;
    expect(a.getAttribute("href")).toBe("https://example.com/x?y=1");
    expect(a.getAttribute("target")).toBe("_blank");
    expect(a.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("removes href from unsafe links but keeps their text", () => {
    const root = dom(sanitizeHtml('<a href="javascript:alert(1)">click me</a>'));
    expect(root.querySelector("a")?.hasAttribute("href") ?? false).toBe(false);
    expect(root.textContent).toBe("click me");
  });

  it("allows images from the app's origin, allowed domains and raster data URLs only", () => {
    expect(isAllowedImageSource("/api/attachments/a/content")).toBe(true);
    expect(isAllowedImageSource(`${location.origin}/x.png`)).toBe(true);
    expect(isAllowedImageSource("data:image/png;base64,iVBORw0KGgo=")).toBe(true);
    expect(isAllowedImageSource("data:image/svg+xml;base64,PHN2Zz4=")).toBe(false);
    expect(isAllowedImageSource("https://cdn.example.com/a.png")).toBe(false);
    expect(isAllowedImageSource("https://cdn.example.com/a.png", { allowedImageDomains: ["example.com"] })).toBe(true);
    expect(isAllowedImageSource("javascript:alert(1)")).toBe(false);
    const blocked = dom(sanitizeHtml('<img src="https://cdn.example.com/a.png" alt="chart">'));
    expect(blocked.querySelector("img")).toBeNull();
    expect(blocked.textContent).toBe("[chart]");
  });

  it("keeps <mark> from search snippets", () => {
    const el = dom(sanitizeHtml("a <mark>pasta</mark> recipe <mark onclick=x>b</mark>"));
    expect(Array.from(el.querySelectorAll("mark")).map((m) => m.textContent)).toEqual(["pasta", "b"]);
    assertInert(el.innerHTML);
  });

  it("filters class names to our own prefixes", () => {
    const el = dom(sanitizeHtml('<span class="hljs-keyword evil-overlay">x</span>')).querySelector("span")!;
    expect(el.className).toBe("hljs-keyword");
  });
});

"""The shell of ``report.html``: inline CSS and script, no remote resource (the
Content-Security-Policy forbids any). ``%BODY%`` is replaced by the escaped content."""

from __future__ import annotations

_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;
background:#fafafa}
nav{position:sticky;top:0;z-index:2;background:#1d3557;padding:.5em 1em}
nav a{color:#fff;margin-right:.8em;text-decoration:none}
main{max-width:60em;margin:0 auto;padding:1em}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em 1.4em;margin:1em 0}
h2{margin-top:0}h3{margin-bottom:.3em}h4{margin:.6em 0 .2em}
.facts{color:#555;font-size:.9em}.failed{color:#a00;font-weight:bold}
blockquote{border-left:3px solid #457b9d;margin:.6em 0;padding:.2em .8em;background:#f1f6f9}
.who{color:#555}.k{color:#555;font-style:italic}.item{margin:.4em 0}
a.cite{color:#1d6fa5;font-size:.85em;white-space:nowrap;text-decoration:none}
a.cite:hover{text-decoration:underline}
details.tx{margin-top:1em;border-top:1px solid #ddd;padding-top:.5em}
details.tx summary{cursor:pointer;font-weight:bold}
.text{white-space:pre-wrap;font:14px/1.6 ui-monospace,Menlo,Consolas,monospace;
max-height:70vh;overflow:auto;border:1px solid #eee;padding:.5em}
.where{position:sticky;top:2.6em;background:#fff3bf;border:1px solid #e9c46a;padding:.3em .6em;
margin:.4em 0;font-size:.9em}
.where a{margin-left:1em}
table.by-theme{border-collapse:collapse;font-size:.9em}
.by-theme th,.by-theme td{border:1px solid #ddd;padding:.15em .6em}
.by-theme td{text-align:center}.by-theme tr>th:first-child{text-align:left;font-weight:normal}
mark.hl{background:#ffe066;outline:2px solid #f4a261;color:inherit}
"""

_JS = """
(function () {
  "use strict";
  var current = null;
  function fill(details) {
    var box = details.querySelector(".text");
    if (!box.firstChild) {
      var t = document.getElementById("tt-" + details.getAttribute("data-s"));
      if (t) box.appendChild(t.content.cloneNode(true));
    }
    return box;
  }
  function unwrap() {
    if (!current) return;
    var parent = current.parentNode;
    while (current.firstChild) parent.insertBefore(current.firstChild, current);
    parent.removeChild(current);
    current = null;
  }
  function show(sid, a, b, where, back) {
    var details = document.getElementById("tx-" + sid);
    if (!details) return false;
    details.open = true;
    var box = fill(details);
    unwrap();
    var spans = [];
    for (var el = box.firstElementChild; el; el = el.nextElementSibling) {
      var o = Number(el.getAttribute("data-o"));
      if (o >= a && o < b) spans.push(el);
    }
    if (!spans.length) return false;
    var mark = document.createElement("mark");
    mark.className = "hl";
    mark.id = "passage";
    box.insertBefore(mark, spans[0]);
    spans.forEach(function (s) { mark.appendChild(s); });
    current = mark;
    var bar = details.querySelector(".where");
    bar.hidden = false;
    bar.textContent = where;
    if (back) {
      var link = document.createElement("a");
      link.href = "#" + back;
      link.className = "back";
      link.textContent = "\\u21a9 back to the brief";
      bar.appendChild(link);
    }
    mark.scrollIntoView({block: "center"});
    return true;
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a.cite") : null;
    if (!a) return;
    ev.preventDefault();
    show(a.getAttribute("data-s"), Number(a.getAttribute("data-a")),
         Number(a.getAttribute("data-b")), a.getAttribute("data-where"), a.id);
  });
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.open && d.classList && d.classList.contains("tx")) fill(d);
  }, true);
  var m = /^#p-(.+)-(\\d+)-(\\d+)$/.exec(decodeURIComponent(location.hash));
  if (m) show(m[1], Number(m[2]), Number(m[3]), "source " + m[1], null);
})();
"""

PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'\">"
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    f"<title>Brief</title><style>{_CSS}</style></head>\n<body>%BODY%\n<script>{_JS}</script>"
    "</body></html>\n"
)

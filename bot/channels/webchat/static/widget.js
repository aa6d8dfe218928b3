/* The embeddable web chat: <div id="ipdesk-chat"></div><script src="https://<chat server>/widget.js" data-target="ipdesk-chat" async></script>
   Puts the chat page in a frame inside the element; the chat server's own origin serves the frame, so the visitor's
   session cookie and the chat's Content Security Policy are the chat server's, whatever the host page is. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src, document.baseURI).origin;
  var target = document.getElementById(script.getAttribute("data-target") || "ipdesk-chat");
  if (!target) { return; }
  var frame = document.createElement("iframe");
  frame.src = origin + "/?embed=1";
  frame.title = script.getAttribute("data-title") || "知识产权保护咨询 IP help chat";
  frame.style.width = "100%";
  frame.style.minHeight = script.getAttribute("data-height") || "560px";
  frame.style.border = "1px solid #d0d7de";
  frame.style.borderRadius = "8px";
  frame.setAttribute("loading", "lazy");
  target.appendChild(frame);
})();

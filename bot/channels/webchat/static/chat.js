/* The chat page: consent, then the conversation as the server reads it from Rasa, live over server-sent events.
   Everything a message carries is put on the page as text (textContent), never as markup. */
(function () {
  "use strict";

  var TEXTS = {
    zh: {
      title: "海外知识产权纠纷应对咨询", consentTitle: "服务说明与隐私告知",
      about: "本服务为山西省出口企业提供海外知识产权纠纷应对的公益咨询（依据晋知产发〔2022〕23号），回答政策、流程和应对要点，并可转交专家。",
      keptWhat: "我们保存：您发送的消息和文件、转人工时您填写的企业名称和联系方式；机器人未能答好的问题去掉联系方式、不记提问人后留给工作人员改进答复。",
      keptHowLong: "保存多久：工单办结后 {days} 天删除或匿名化；本对话的会话 {session} 天不使用即失效。",
      keptWho: "谁能看到：服务中心的坐席人员和为您分配的专家；统计只用匿名数字。",
      keptClear: "您可以随时点“清除我的对话”删除本对话。",
      agree: "同意并开始咨询", conversation: "对话", yourMessage: "您的问题", placeholder: "请输入您的问题",
      send: "发送", attach: "附上文件（起诉书、警告函）", clear: "清除我的对话", switchTo: "English",
      switchLabel: "Switch to English", you: "您", bot: "助手", sources: "来源：",
      kept: "已收到您的消息。系统正在恢复，答复稍后会出现在这里，无需重复发送。",
      failed: "消息没有发出，请稍后再试。", tooMany: "发送太频繁，请 {s} 秒后再试。",
      reconnecting: "连接中断，正在重新连接…", confirmClear: "确定要清除本对话吗？清除后无法恢复。",
      cleared: "对话已清除。", uploading: "正在上传文件…", expired: "会话已过期，请重新同意隐私告知。"
    },
    en: {
      title: "Overseas IP dispute help", consentTitle: "About this service and your privacy",
      about: "A free consultation service for Shanxi exporters facing IP disputes abroad (Jin Zhi Chan Fa [2022] No. 23): policies, procedures and what to do, with experts one step away.",
      keptWhat: "What we keep: your messages and files, and the company name and contact you give when asking for an expert; questions the bot could not answer well are kept without contact details or who asked, for the staff to improve the answers.",
      keptHowLong: "How long: deleted or anonymised {days} days after your case is closed; this chat session ends after {session} days unused.",
      keptWho: "Who sees it: the service centre's staff and the expert assigned to you; statistics use anonymous counts only.",
      keptClear: "You can delete this conversation at any time with \u201cClear my conversation\u201d.",
      agree: "Agree and start", conversation: "Conversation", yourMessage: "Your question", placeholder: "Type your question",
      send: "Send", attach: "Attach a file (complaint, warning letter)", clear: "Clear my conversation", switchTo: "中文",
      switchLabel: "切换到中文", you: "You", bot: "Assistant", sources: "Sources: ",
      kept: "We received your message. The service is recovering; the answer will appear here, no need to send it again.",
      failed: "The message was not sent; please try again shortly.", tooMany: "Too many messages; try again in {s} s.",
      reconnecting: "Connection lost, reconnecting…", confirmClear: "Clear this conversation? This cannot be undone.",
      cleared: "The conversation was cleared.", uploading: "Uploading the file…", expired: "The session has expired; please agree to the notice again."
    }
  };
  var HEADERS = { "X-Requested-With": "ipdesk-chat" };
  var language = localStorage.getItem("ipdesk-chat-lang") === "en" ? "en" : "zh";
  var info = { retention_days: 730, session_days: 30 };
  var seen = {};
  var lastId = null;
  var stream = null;

  function $(id) { return document.getElementById(id); }
  function t(key) { return TEXTS[language][key]; }

  function newId() {
    if (window.crypto && crypto.getRandomValues) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    return String(Date.now()) + String(Math.random()).slice(2, 10);
  }

  function applyLanguage() {
    document.documentElement.lang = language === "en" ? "en" : "zh-CN";
    document.title = t("title");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (el) {
      el.textContent = t(el.getAttribute("data-i18n"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-placeholder]"), function (el) {
      el.setAttribute("placeholder", t(el.getAttribute("data-i18n-placeholder")));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-label]"), function (el) {
      el.setAttribute("aria-label", t(el.getAttribute("data-i18n-label")));
    });
    $("kept-how-long").textContent = t("keptHowLong").replace("{days}", info.retention_days).replace("{session}", info.session_days);
    var switcher = $("language");
    switcher.textContent = t("switchTo");
    switcher.setAttribute("lang", language === "en" ? "zh-CN" : "en");
    switcher.setAttribute("aria-label", t("switchLabel"));
  }

  function status(text) { $("status").textContent = text || ""; }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: Object.assign({ "Content-Type": "application/json" }, HEADERS),
      body: JSON.stringify(body || {})
    });
  }

  function render(message) {
    if (seen[message.id]) { return; }
    seen[message.id] = true;
    lastId = message.id;
    var item = document.createElement("li");
    item.className = "message from-" + message.from;
    item.setAttribute("data-id", message.id);
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (message.from === "user" ? t("you") : t("bot")) + "：";
    item.appendChild(who);
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = message.text || "";
    item.appendChild(text);
    if (message.buttons && message.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      message.buttons.forEach(function (button) {
        var element = document.createElement("button");
        element.type = "button";
        element.className = "choice";
        element.textContent = button.title;
        element.addEventListener("click", function () { send(button.payload, button.title); });
        group.appendChild(element);
      });
      item.appendChild(group);
    }
    if (message.sources && message.sources.length) {
      var cited = document.createElement("p");
      cited.className = "sources";
      cited.appendChild(document.createTextNode(t("sources")));
      message.sources.forEach(function (source, index) {
        if (index) { cited.appendChild(document.createTextNode("；")); }
        var link = document.createElement("a");
        link.href = "/source/" + encodeURIComponent(source.id) + "?lang=" + language;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = source.title;
        cited.appendChild(link);
      });
      item.appendChild(cited);
    }
    $("messages").appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function notice(text) {
    var item = document.createElement("li");
    item.className = "message notice";
    item.textContent = text;
    $("messages").appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function listen() {
    if (stream) { stream.close(); }
    var url = "/api/events?lang=" + language + (lastId ? "&after=" + encodeURIComponent(lastId) : "");
    stream = new EventSource(url);
    stream.onmessage = function (event) { render(JSON.parse(event.data)); };
    stream.onopen = function () { if ($("status").textContent === t("reconnecting")) { status(""); } };
    stream.onerror = function () {
      status(t("reconnecting"));
      if (stream.readyState === EventSource.CLOSED) { setTimeout(listen, 5000); }  // refused (429): try again later
    };
  }

  function showConsent() {
    if (stream) { stream.close(); stream = null; }
    $("conversation").hidden = true;
    $("consent").hidden = false;
    $("agree").focus();
  }

  function showConversation() {
    $("consent").hidden = true;
    $("conversation").hidden = false;
    $("messages").textContent = "";
    seen = {};
    lastId = null;
    fetch("/api/history?lang=" + language, { credentials: "same-origin" }).then(function (response) {
      if (response.status === 401) { showConsent(); return null; }
      return response.json();
    }).then(function (body) {
      if (!body) { return; }
      (body.messages || []).forEach(render);
      listen();
    }).catch(function () { status(t("reconnecting")); listen(); });
    $("text").focus();
  }

  function send(text, label, id, attempt) {
    id = id || newId();
    attempt = attempt || 0;
    var body = { id: id, text: text, lang: language };
    if (label) { body.label = label; }
    $("send").disabled = true;
    return post("/api/message", body).then(function (response) {
      return response.json().then(function (answer) { return { response: response, answer: answer }; });
    }).then(function (result) {
      $("send").disabled = false;
      var response = result.response, answer = result.answer;
      if (response.status === 401) { status(t("expired")); showConsent(); return; }
      if (response.status === 429) { status(t("tooMany").replace("{s}", answer.retry_after || 5)); return; }
      if (!response.ok) {
        // a typed message the server would not take (too long, a command) goes back into the box to be edited
        if (!label && (response.status === 400 || response.status === 413) && !$("text").value) { $("text").value = text; }
        status(answer.error || t("failed"));
        return;
      }
      status("");
      if (answer.status === "kept" && answer.notice) { notice(t("kept")); }
    }).catch(function () {
      if (attempt < 3) {  // the same id: the server answers a message once, however often it arrives
        return new Promise(function (resolve) { setTimeout(resolve, 1500 * (attempt + 1)); })
          .then(function () { return send(text, label, id, attempt + 1); });
      }
      $("send").disabled = false;
      status(t("failed"));
    });
  }

  function upload(file) {
    var form = new FormData();
    form.append("file", file);
    status(t("uploading"));
    fetch("/api/attachment?lang=" + language + "&id=" + newId(), {
      method: "POST", credentials: "same-origin", headers: HEADERS, body: form
    }).then(function (response) { return response.json(); }).then(function (answer) {
      status("");
      notice(answer.text || answer.error || t("failed"));
    }).catch(function () { status(t("failed")); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (new URLSearchParams(location.search).get("embed")) { document.body.classList.add("embedded"); }
    applyLanguage();
    fetch("/api/session", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
      info = body;
      applyLanguage();
      if (body.consented) { showConversation(); } else { showConsent(); }
    });
    $("agree").addEventListener("click", function () {
      post("/api/consent").then(function (response) { if (response.ok) { showConversation(); } });
    });
    $("composer").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("text").value.trim();
      if (!text) { return; }
      $("text").value = "";
      send(text);
    });
    $("text").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("file").addEventListener("change", function () {
      if ($("file").files.length) { upload($("file").files[0]); $("file").value = ""; }
    });
    $("clear").addEventListener("click", function () {
      if (!window.confirm(t("confirmClear"))) { return; }
      post("/api/clear").then(function (response) {
        if (response.ok) { showConsent(); status(t("cleared")); }
      });
    });
    $("language").addEventListener("click", function () {
      language = language === "en" ? "zh" : "en";
      localStorage.setItem("ipdesk-chat-lang", language);
      applyLanguage();
      if (!$("conversation").hidden) {  // the bot answers in the chosen language from now on
        post("/api/language", { language: language }).then(function () { showConversation(); }, showConversation);
      }
    });
  });
})();

// The console works without this script; it adds the live suggestion while a question is typed, the company's
// earlier calls and tickets while its name is typed, and the refresh of a page that follows a running job. Everything from the server is inserted as text, never HTML.
"use strict";

function csrfToken() {
  const field = document.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function setupSuggestion() {
  const question = document.querySelector("[data-suggest]");
  if (!question) return;
  const answer = document.getElementById("answer");
  const status = document.getElementById("suggestion-status");
  const facts = document.getElementById("suggestion-facts");
  let edited = answer.value.trim() !== "";
  let lastSuggested = "";
  let sequence = 0;
  answer.addEventListener("input", () => { edited = answer.value !== lastSuggested; });

  const ask = debounce(async () => {
    const text = question.value.trim();
    if (text.length < 4) return;
    const mine = ++sequence;
    status.textContent = "正在识别…";
    try {
      const response = await fetch(question.dataset.suggest, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken()},
        body: JSON.stringify({question: text}),
      });
      if (mine !== sequence) return;  // a newer keystroke's answer is on its way
      if (!response.ok) { status.textContent = "暂时无法获取建议（" + response.status + "），可直接保存。"; return; }
      show(await response.json());
    } catch (error) {
      status.textContent = "暂时无法获取建议，可直接保存。";
    }
  }, 400);

  function show(s) {
    facts.hidden = false;
    document.getElementById("suggestion-topic").textContent =
      s.topic + (s.confidence ? "（置信度 " + s.confidence.toFixed(2) + "）" : "");
    const entities = Object.values(s.entities || {}).flat();
    document.getElementById("suggestion-entities").textContent = entities.length ? entities.join("、") : "—";
    document.getElementById("suggestion-sources").textContent = (s.sources || []).join("、") || "—";
    const text = s.answer || s.referral || "";
    status.textContent = !s.nlu ? "意图识别暂不可用，以下按文本检索：" : (text ? "建议答复如下，可修改：" : "知识库中没有合适的答复，请记录问题，必要时转专家。");
    if (!edited) { answer.value = text; lastSuggested = text; }
  }

  question.addEventListener("input", ask);
  if (question.value.trim()) ask();
}

function setupCompanyLookup() {
  const company = document.querySelector("[data-lookup]");
  const box = document.getElementById("company-history");
  if (!company || !box) return;
  const look = debounce(async () => {
    const q = company.value.trim();
    if (q.length < 2) { box.hidden = true; return; }
    try {
      const response = await fetch(company.dataset.lookup + "?q=" + encodeURIComponent(q), {credentials: "same-origin"});
      if (!response.ok) return;
      render(await response.json());
    } catch (error) { /* the lookup is a convenience; the form works without it */ }
  }, 300);

  function render(data) {
    box.replaceChildren();
    if (!data.calls.length && !data.tickets.length) { box.hidden = true; return; }
    box.hidden = false;
    box.append(el("h3", "该企业的历史记录"));
    const list = el("ul");
    for (const call of data.calls) {
      const item = el("li");
      item.append(el("a", "来电 #" + call.id, {href: "/calls/" + call.id, target: "_blank"}));
      item.append(document.createTextNode(" " + call.at + " " + call.company + " · " + call.topic + " · " + (call.caller_name || "") + " "));
      if (call.phone) {
        const fill = el("button", "填入联系人", {type: "button", class: "link"});
        fill.addEventListener("click", () => {
          const caller = document.getElementById("caller_name"), phone = document.getElementById("phone");
          if (!caller.value) caller.value = call.caller_name || "";
          if (!phone.value) phone.value = call.phone;
          if (company.value !== call.company) company.value = call.company;
        });
        item.append(fill);
      }
      list.append(item);
    }
    for (const ticket of data.tickets) {
      const item = el("li");
      item.append(el("a", "工单 " + ticket.number, {href: "/tickets/" + ticket.number, target: "_blank"}));
      item.append(document.createTextNode(" " + ticket.at + " " + ticket.company + " · " + ticket.status));
      list.append(item);
    }
    box.append(list);
  }
  company.addEventListener("input", look);
}

// A page following a running job (the model's retraining) reloads itself every `data-refresh` seconds, but not while
// something is typed into one of its fields. Without the script the page has a link to refresh it.
function setupRefresh() {
  const page = document.querySelector("[data-refresh]");
  if (!page) return;
  const seconds = Math.max(2, Number(page.getAttribute("data-refresh")) || 5);
  setInterval(() => {
    const typing = Array.from(document.querySelectorAll("input:not([type=hidden]), textarea")).some(
      (field) => field.value.trim() !== "");
    if (!typing) window.location.reload();
  }, seconds * 1000);
}

document.addEventListener("DOMContentLoaded", () => { setupSuggestion(); setupCompanyLookup(); setupRefresh(); });

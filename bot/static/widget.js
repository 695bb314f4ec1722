// The help widget: a launcher button and a chat panel talking to the gateway's /api/chat.
// All text is inserted with textContent, never innerHTML, so nothing a user, the bot or the
// knowledge base says can inject markup.
(function () {
  "use strict";
  var script = document.currentScript;
  var config = window.DTO_SUPPORT || {};
  var apiBase = config.apiBase || (script && script.src ? new URL(script.src).origin : "");
  var screen = config.currentScreen || (script && script.dataset.screen) || null;
  if (!config.supportTier && script && script.dataset.supportTier) {
    config.supportTier = script.dataset.supportTier;
  }
  var STORAGE_KEY = "dto-support-sender";
  var MAX_CHARS = 4000;

  function senderId() {
    var id = null;
    try { id = localStorage.getItem(STORAGE_KEY); } catch (e) { /* storage blocked */ }
    if (!id) {
      id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
        : "s-" + Date.now().toString(36) + Math.random().toString(36).slice(2);
      try { localStorage.setItem(STORAGE_KEY, id); } catch (e) { /* keep it for this page */ }
    }
    return id;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return (parsed.protocol === "https:" || parsed.protocol === "http:") ? parsed.href : null;
    } catch (e) { return null; }
  }

  var sender = senderId();
  var launcher = el("button", "dto-launcher", "?");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Open support chat");
  launcher.setAttribute("data-testid", "dto-launcher");

  var panel = el("section", "dto-panel");
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Support chat");
  var header = el("div", "dto-header");
  header.appendChild(el("span", null, "Support assistant"));
  var searchToggle = el("button", "dto-search-toggle", "Search help");
  searchToggle.type = "button";
  searchToggle.setAttribute("aria-pressed", "false");
  header.appendChild(searchToggle);
  var closeButton = el("button", "dto-close", "\u00d7");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "Close support chat");
  header.appendChild(closeButton);
  var log = el("div", "dto-log");
  log.setAttribute("aria-live", "polite");
  var form = el("form", "dto-form");
  var input = el("textarea");
  input.placeholder = "Ask a question or describe the problem\u2026";
  input.maxLength = MAX_CHARS;
  input.setAttribute("aria-label", "Message");
  var sendButton = el("button", null, "Send");
  sendButton.type = "submit";
  form.appendChild(input);
  form.appendChild(sendButton);
  var searchView = el("div", "dto-search");
  searchView.hidden = true;
  var searchInput = el("input");
  searchInput.type = "search";
  searchInput.placeholder = "Search the help articles\u2026";
  searchInput.setAttribute("aria-label", "Search help articles");
  searchInput.maxLength = 500;
  var searchResults = el("div", "dto-search-results");
  searchResults.setAttribute("aria-live", "polite");
  searchView.appendChild(searchInput);
  searchView.appendChild(searchResults);

  panel.appendChild(header);
  panel.appendChild(searchView);
  panel.appendChild(log);
  panel.appendChild(form);

  var typing = el("div", "dto-typing", "Assistant is typing\u2026");
  typing.setAttribute("data-testid", "dto-typing");
  var historyLoaded = false;
  var busy = false;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function addUser(text) {
    log.appendChild(el("div", "dto-msg user", text));
    scrollDown();
  }

  function addUndelivered(text) {
    var note = el("div", "dto-msg error", "This message was not delivered. ");
    var retry = el("button", "dto-retry", "Send again");
    retry.type = "button";
    retry.addEventListener("click", function () { note.remove(); send(text); });
    note.appendChild(retry);
    log.appendChild(note);
  }

  function addError(text) {
    log.appendChild(el("div", "dto-msg error", text));
    scrollDown();
  }

  // phone numbers in bot text become tap-to-call links (built as nodes, never as HTML)
  var PHONE = /\+?\d[\d-]{8,}\d/g;

  function textWithPhoneLinks(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(PHONE, function (match, offset) {
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el("a", null, match);
      link.href = "tel:" + match.replace(/[^\d+]/g, "");
      fragment.appendChild(link);
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function addBot(message, interactive) {
    if (message.text) {
      var bubble = el("div", "dto-msg bot");
      bubble.appendChild(textWithPhoneLinks(String(message.text)));
      var sources = message.custom && Array.isArray(message.custom.sources) ? message.custom.sources : [];
      if (sources.length) {
        var box = el("div", "dto-sources", "Source: ");
        sources.forEach(function (source, i) {
          var href = safeUrl(source.url);
          var link = el(href ? "a" : "span", null, source.title || source.url);
          if (href) { link.href = href; link.target = "_blank"; link.rel = "noopener noreferrer"; }
          if (i) box.appendChild(document.createTextNode(", "));
          box.appendChild(link);
        });
        bubble.appendChild(box);
      }
      log.appendChild(bubble);
      if (interactive && sources.length && message.custom.answered === true) {
        addFeedback(sources[0].url);
      }
    }
    if (interactive && Array.isArray(message.buttons) && message.buttons.length) {
      var row = el("div", "dto-buttons");
      message.buttons.forEach(function (button) {
        var b = el("button", null, button.title);
        b.type = "button";
        b.addEventListener("click", function () {
          row.remove();
          send(button.payload, button.title);
        });
        row.appendChild(b);
      });
      log.appendChild(row);
    }
    scrollDown();
  }

  // "Was this helpful?" under a knowledge-base answer; "No" also asks the assistant for the
  // next step (a ticket or a person)
  function addFeedback(about) {
    var row = el("div", "dto-feedback", "Was this helpful? ");
    row.setAttribute("data-testid", "dto-feedback");
    [["Yes", true], ["No", false]].forEach(function (choice) {
      var b = el("button", null, choice[0]);
      b.type = "button";
      b.addEventListener("click", function () {
        row.textContent = "Thanks for telling us.";
        fetch(apiBase + "/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sender: sender, helpful: choice[1], about: String(about || "").slice(0, 300) })
        }).catch(function () { /* a lost rating is not worth bothering the user */ });
        if (!choice[1]) send("/deny", "No, that didn't help");
      });
      row.appendChild(b);
    });
    log.appendChild(row);
  }

  function clearButtons() {
    Array.prototype.forEach.call(log.querySelectorAll(".dto-buttons"), function (row) { row.remove(); });
  }

  function loadHistory() {
    historyLoaded = true;
    return fetch(apiBase + "/api/chat/history?sender=" + encodeURIComponent(sender))
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (body) {
        var messages = body.messages || [];
        messages.forEach(function (m, i) {
          if (m.author === "user") {
            addUser(m.display_text || m.text || "");
            if (m.delivery_error && i === messages.length - 1) addUndelivered(m.text || "");
          }
          else { addBot(m, i === messages.length - 1); }
        });
        if (!messages.length) {
          addBot({ text: "Hi! I\u2019m the support assistant. Ask me a question, or tell me what\u2019s going wrong." }, false);
        }
      })
      .catch(function () { addError("Couldn't load the earlier conversation."); });
  }

  var queued = [];

  function send(text, shownAs) {
    text = (text || "").trim();
    if (!text) return;
    if (busy) { queued.push([text, shownAs]); addUser(shownAs || text); return; }
    sendNow(text, shownAs, false);
  }

  function sendNow(text, shownAs, alreadyShown) {
    if (text.length > MAX_CHARS) {
      addError("That message is too long (" + text.length + " characters; the limit is " + MAX_CHARS + ").");
      return;
    }
    clearButtons();
    if (!alreadyShown) addUser(shownAs || text);
    busy = true;
    sendButton.disabled = true;
    log.appendChild(typing);
    scrollDown();
    var metadata = {};
    if (screen) metadata.current_screen = screen;
    if (config.userId) metadata.user_id = config.userId;
    if (config.userHash) metadata.user_hash = config.userHash;
    if (config.supportTier) metadata.support_tier = config.supportTier;
    if (shownAs) metadata.button_title = shownAs;
    metadata.locale = navigator.language || null;
    fetch(apiBase + "/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: text, metadata: metadata })
    })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) {
          addError((result.body && result.body.detail) || "Something went wrong; please try again.");
          return;
        }
        (result.body || []).forEach(function (m) { addBot(m, true); });
      })
      .catch(function () { addError("You seem to be offline. Your message was not sent; please try again."); })
      .then(function () {
        typing.remove();
        busy = false;
        sendButton.disabled = false;
        input.focus();
        var next = queued.shift();
        if (next) sendNow(next[0], next[1], true);
      });
  }

  var RECENT_KEY = "dto-support-recent";
  var searchTimer = null;

  function recentArticles() {
    try { return JSON.parse(localStorage.getItem(RECENT_KEY) || "[]").slice(0, 5); } catch (e) { return []; }
  }

  function remember(article) {
    var recent = recentArticles().filter(function (a) { return a.url !== article.url; });
    recent.unshift({ title: article.title, url: article.url });
    try { localStorage.setItem(RECENT_KEY, JSON.stringify(recent.slice(0, 5))); } catch (e) { /* ignore */ }
  }

  function articleList(heading, articles, emptyText) {
    var box = el("div");
    box.appendChild(el("div", "dto-search-heading", heading));
    if (!articles.length) box.appendChild(el("div", "dto-search-empty", emptyText));
    articles.forEach(function (article) {
      var href = safeUrl(article.url);
      var item = el("div", "dto-search-item");
      var link = el(href ? "a" : "span", null, article.title);
      if (href) {
        link.href = href; link.target = "_blank"; link.rel = "noopener noreferrer";
        link.addEventListener("click", function () { remember(article); });
      }
      item.appendChild(link);
      if (article.snippet) item.appendChild(el("div", "dto-search-snippet", article.snippet));
      box.appendChild(item);
    });
    return box;
  }

  function showResults(box) {
    searchResults.textContent = "";
    searchResults.appendChild(box);
  }

  function showStartOfSearch() {
    var recent = recentArticles();
    searchResults.textContent = "";
    if (recent.length) searchResults.appendChild(articleList("Recently viewed", recent, ""));
    if (!screen) return;
    fetch(apiBase + "/api/kb/topics?screen=" + encodeURIComponent(screen))
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) {
        if (searchInput.value.trim() || !body.results.length) return;
        searchResults.appendChild(articleList("Topics for this screen", body.results, ""));
      })
      .catch(function () { /* suggestions are optional */ });
  }

  function runSearch() {
    var q = searchInput.value.trim();
    if (!q) { showStartOfSearch(); return; }
    var url = apiBase + "/api/kb/search?q=" + encodeURIComponent(q);
    if (screen) url += "&screen=" + encodeURIComponent(screen);
    fetch(url)
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (result) {
        if (!result.ok) { showResults(articleList("Search", [], result.body.detail || "Search is unavailable right now.")); return; }
        showResults(articleList("Results", result.body.results || [], "No articles match; try other words or ask the assistant."));
      })
      .catch(function () { showResults(articleList("Search", [], "Search is unavailable right now.")); });
  }

  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });

  searchToggle.addEventListener("click", function () {
    var opening = searchView.hidden;
    searchView.hidden = !opening;
    searchToggle.setAttribute("aria-pressed", opening ? "true" : "false");
    if (opening) { showStartOfSearch(); searchInput.focus(); }
  });

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!historyLoaded) loadHistory();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  closeButton.addEventListener("click", close);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
    try { if (sessionStorage.getItem("dto-support-open") === "1") open(); } catch (e) { /* ignore */ }
  }
  window.addEventListener("beforeunload", function () {
    try { sessionStorage.setItem("dto-support-open", panel.hidden ? "0" : "1"); } catch (e) { /* ignore */ }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();

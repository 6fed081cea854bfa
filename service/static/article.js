/* commentq article page: post the comment form with fetch (JSON API), then poll the comment's
   status until a worker has decided. Without JavaScript the form posts normally (303 back). */
(function () {
  "use strict";

  var LABELS = { body: "Comment", author: "Name", email: "Email", url: "Website",
                 parent_id: "Reply to", phone: "Leave this field empty", _schema: "Comment" };

  function $(id) { return document.getElementById(id); }

  function show(el, yes) { if (el) { el.classList.toggle("hidden", !yes); } }

  function setStatus(kind, text, link) {
    var box = $("comment-status");
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "notice " + kind;
    p.textContent = text;
    if (link) {
      p.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      p.appendChild(a);
    }
    box.appendChild(p);
    show(box, true);
  }

  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso; }
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getUTCDate()) + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear() + ", " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + " UTC";
  }

  function bumpCount() {
    var h = $("comment-count");
    var n = parseInt(h.textContent, 10) || 0;
    n += 1;
    h.textContent = n + (n === 1 ? " comment" : " comments");
  }

  /* Insert a published comment (body_html is sanitised by the service) unless already shown. */
  function insertComment(c, authorUrl) {
    if ($("comment-" + c.id)) { return; }
    var li = document.createElement("li");
    li.className = "comment just-published";
    li.id = "comment-" + c.id;
    var art = document.createElement("article");
    var header = document.createElement("header");
    header.className = "comment-meta";
    var who = document.createElement(authorUrl ? "a" : "span");
    who.className = "comment-author";
    who.textContent = c.author;
    if (authorUrl) { who.href = authorUrl; who.rel = "nofollow ugc noopener"; }
    var time = document.createElement("time");
    time.dateTime = c.created_at;
    time.textContent = formatTime(c.created_at);
    header.appendChild(who);
    header.appendChild(document.createTextNode(" "));
    header.appendChild(time);
    var body = document.createElement("div");
    body.className = "comment-body";
    body.innerHTML = c.body_html || "";
    art.appendChild(header);
    art.appendChild(body);
    var reply = document.createElement("a");
    reply.className = "reply-link";
    reply.href = window.location.pathname + "?replytocom=" + encodeURIComponent(c.id) + "#respond";
    reply.setAttribute("data-reply-to", c.id);
    reply.setAttribute("data-reply-author", c.author);
    reply.textContent = "Reply";
    wireReply(reply);
    art.appendChild(reply);
    li.appendChild(art);
    var list = $("comment-list");
    var parent = c.parent_id ? $("comment-" + c.parent_id) : null;
    var maxDepth = parseInt($("comments").getAttribute("data-thread-depth"), 10) || 5;
    var level = 1;
    if (parent) {
      var parentLevel = parseInt(parent.getAttribute("data-level"), 10) || 1;
      var holder = parent;
      if (parentLevel >= maxDepth) {
        /* The last nesting level: listed after its parent, at the same level, as the server does. */
        holder = parent.parentNode.closest("li.comment") || null;
        level = maxDepth;
        var note = document.createElement("span");
        note.className = "in-reply-to";
        note.appendChild(document.createTextNode("in reply to "));
        var to = document.createElement("a");
        to.href = "#comment-" + c.parent_id;
        to.textContent = parent.querySelector(".comment-author").textContent;
        note.appendChild(to);
        header.appendChild(note);
      } else {
        level = parentLevel + 1;
      }
      var children = holder ? holder.querySelector(":scope > ol.children") : list;
      if (!children) {
        children = document.createElement("ol");
        children.className = "children";
        holder.appendChild(children);
      }
      children.appendChild(li);
    } else {
      list.appendChild(li);
    }
    li.className = "comment depth-" + level + " just-published";
    li.setAttribute("data-level", String(level));
    bumpCount();
  }

  function poll(url, authorUrl) {
    var delay = 500, waited = 0;
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (c) {
          if (c && c.status === "published") {
            insertComment(c, authorUrl);
            setStatus("ok", "Thanks, " + c.author + ": your comment is published.",
                      { href: "#comment-" + c.id, text: "See it below." });
            return;
          }
          if (c && c.status === "rejected") {
            setStatus("error", "Sorry, your comment was not published.");
            return;
          }
          waited += delay;
          if (waited > 10 * 60 * 1000) { return; }  // a moderator may take a while; stop after 10 min
          delay = Math.min(delay * 1.5, 10000);
          window.setTimeout(tick, delay);
        })
        .catch(function () { delay = Math.min(delay * 2, 10000); window.setTimeout(tick, delay); });
    }
    window.setTimeout(tick, delay);
  }

  function statusUrl(id) {
    return $("comments").getAttribute("data-status-url").replace("COMMENT_ID", encodeURIComponent(id));
  }

  function showErrors(payload) {
    var box = $("form-errors");
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = (payload && payload.error) || "Your comment could not be sent.";
    box.appendChild(p);
    var errors = (payload && payload.errors) || {};
    var ul = document.createElement("ul");
    Object.keys(errors).forEach(function (field) {
      var li = document.createElement("li");
      var strong = document.createElement("strong");
      strong.textContent = LABELS[field] || field;
      li.appendChild(strong);
      li.appendChild(document.createTextNode(": " + [].concat(errors[field]).join(" ")));
      ul.appendChild(li);
    });
    if (ul.children.length) { box.appendChild(ul); }
    show(box, true);
  }

  function setReply(id, author) {
    $("comment_parent").value = id || "0";
    var title = $("reply-title");
    var span = $("replying-to");
    if (id) {
      if (!span) {
        span = document.createElement("span");
        span.id = "replying-to";
        title.insertBefore(span, $("cancel-reply"));
        title.insertBefore(document.createTextNode(" "), span);
      }
      span.textContent = "(replying to " + author + ")";
    } else if (span) {
      span.remove();
    }
    show($("cancel-reply"), !!id);
  }

  function wireReply(a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      setReply(a.getAttribute("data-reply-to"), a.getAttribute("data-reply-author"));
      $("comment").focus();
      $("respond").scrollIntoView({ behavior: "smooth" });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = $("commentform");
    var box = $("comment-status");
    if (box && box.getAttribute("data-status") === "pending") {
      poll(statusUrl(box.getAttribute("data-comment-id")), null);
    }
    if (!form) { return; }

    document.querySelectorAll(".reply-link").forEach(wireReply);
    $("cancel-reply").addEventListener("click", function (ev) { ev.preventDefault(); setReply(null); });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = $("submit");
      var parent = $("comment_parent").value;
      var payload = {
        author: $("author").value, email: $("email").value, url: $("url").value || null,
        body: $("comment").value, parent_id: parent && parent !== "0" ? parent : null,
        phone: $("phone").value || null
      };
      show($("form-errors"), false);
      button.disabled = true;
      fetch(form.action, {
        method: "POST", body: JSON.stringify(payload),
        headers: { "Content-Type": "application/json", Accept: "application/json" }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return [r, data]; });
      }).then(function (res) {
        var r = res[0], data = res[1];
        button.disabled = false;
        if (r.status === 202) {
          $("comment").value = "";
          setReply(null);
          setStatus("pending", "Thanks, " + payload.author + ": your comment is awaiting moderation.");
          poll(statusUrl(data.id), payload.url);
          return;
        }
        if (r.status === 429) {
          var wait = r.headers.get("Retry-After");
          data.error = "You are posting too fast" + (wait ? "; try again in " + wait + " seconds." : ".");
        }
        showErrors(data);
      }).catch(function () {
        button.disabled = false;
        showErrors({ error: "The comment could not be sent (network error). Please try again." });
      });
    });
  });
})();

// As an Element widget (in Element's iframe, with ?widgetId=$matrix_widget_id in its URL):
// ask Element for an OpenID token through the widget API and log in with it.
(function () {
  "use strict";
  var script = document.currentScript;
  var widgetId = new URLSearchParams(window.location.search).get("widgetId");
  if (window.parent === window || !widgetId) {
    return;
  }
  var status = document.getElementById("widget-status");
  var asked = false;

  function send(message) {
    window.parent.postMessage(message, "*");
  }

  function logIn(credentials) {
    if (!credentials || credentials.state !== "allowed" || !credentials.access_token) {
      return;
    }
    fetch(script.dataset.openid, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ access_token: credentials.access_token }),
    }).then(function (response) {
      if (response.ok) {
        window.location.reload();
      }
    });
  }

  window.addEventListener("message", function (event) {
    var message = event.data;
    if (event.source !== window.parent || !message || message.widgetId !== widgetId) {
      return;
    }
    if (message.api === "toWidget") {
      // Element asks for capabilities first, later brings the credentials it had to ask about.
      var reply = message.action === "capabilities" ? { capabilities: [] } : {};
      send(Object.assign({}, message, { response: reply }));
      if (message.action === "openid_credentials") {
        logIn(message.data);
      }
      if (!asked && message.action === "capabilities") {
        asked = true;
        if (status) {
          status.hidden = false;
        }
        send({
          api: "fromWidget",
          widgetId: widgetId,
          requestId: "openid-" + Date.now(),
          action: "get_openid",
          data: {},
        });
      }
    } else if (message.api === "fromWidget" && message.action === "get_openid") {
      logIn(message.response);
    }
  });
})();

// Starts Swagger UI on /docs. A file, not an inline script: the
// Content-Security-Policy allows scripts from this server only.
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Swagger UI would send the document to an outside validator for a badge.
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});

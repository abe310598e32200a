// Starts Swagger UI on /docs (a file of its own: the Content-Security-Policy allows no
// inline script). SwaggerUIBundle comes from /static/vendor/swagger-ui-bundle.js.
/* global SwaggerUIBundle */
const root = document.getElementById('swagger-ui');
SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});

// Starts Swagger UI on the page's OpenAPI document (templates/api/docs.html).
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: root.dataset.url, domNode: root });

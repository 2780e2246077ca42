package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RouteTemplatesTest {

  private final RouteTemplates routes = new RouteTemplates();

  RouteTemplatesTest() {
    for (String t : new String[] {"/v1/documents", "/v1/documents/{id}", "/v1/models/{id}", "/healthz", "/static/*"}) {
      routes.add(t);
    }
  }

  @Test
  void aPathIsLabelledWithTheTemplateItMatches() {
    assertEquals("/v1/documents", routes.match("/v1/documents"));
    assertEquals("/v1/documents", routes.match("/v1/documents/"));
    assertEquals("/v1/documents/{id}", routes.match("/v1/documents/doc_3f1c"));
    assertEquals("/v1/models/{id}", routes.match("/v1/models/gpt-4o-mini"));
    assertEquals("/static/*", routes.match("/static/css/site.css"));
  }

  @Test
  void pathsOfNoRouteShareOneLabel() {
    assertEquals(RouteTemplates.UNMATCHED, routes.match("/v1/documents/doc_3f1c/extra"));
    assertEquals(RouteTemplates.UNMATCHED, routes.match("/v1/documentsX"));
    assertEquals(RouteTemplates.UNMATCHED, routes.match("/v1/models//"));
    assertEquals(RouteTemplates.UNMATCHED, routes.match("/wp-login.php"));
    assertEquals(RouteTemplates.UNMATCHED, routes.match(""));
  }
}

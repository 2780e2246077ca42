package io.ragway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamConfig;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The router's upstream connections stay open between requests, as the gateway bench counts them. */
class UpstreamKeepAliveTest {

  @Test
  void sequentialRequestsReuseOneUpstreamConnection() throws Exception {
    try (FastUpstream upstream = FastUpstream.start()) {
      UpstreamConfig model = new UpstreamConfig("m", upstream.baseUrl(), "", "bench-model", 0, 0, 0, List.of(),
          Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10));
      Router router = new Router(List.of(model), RetryPolicy.defaults(), new Random(1), d -> { });
      ObjectNode body = (ObjectNode) new ObjectMapper().readTree(
          "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      for (int i = 0; i < 20; i++) {
        assertEquals("OK", router.complete("m", body).response().at("/choices/0/message/content").asText());
      }
      assertEquals(1, upstream.connectionsAccepted(), "a response read to its end gives its connection back");
    }
  }
}

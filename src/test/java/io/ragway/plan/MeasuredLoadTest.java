package io.ragway.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MeasuredLoadTest {

  private static String scrape(int requests, int input, int output, int cached) {
    return """
        # HELP ragway_requests_total HTTP requests served
        # TYPE ragway_requests_total counter
        ragway_requests_total{backend="gpu-a",method="POST",model="llama",route="/v1/chat/completions",status="200",tenant="t"} %d.0
        ragway_requests_total{backend="gpu-a",method="POST",model="llama",route="/v1/chat/completions",status="429",tenant="t"} 7.0
        ragway_requests_total{backend="cache",method="POST",model="llama",route="/v1/chat/completions",status="200",tenant="t"} %d.0
        ragway_requests_total{backend="gpu-b",method="POST",model="other",route="/v1/chat/completions",status="200",tenant="t"} 50.0
        ragway_tokens_total{backend="gpu-a",direction="input",model="llama",tenant="t"} %d.0
        ragway_tokens_total{backend="gpu-a",direction="output",model="llama",tenant="t"} %d.0
        ragway_tokens_total{backend="cache",direction="output",model="llama",tenant="t"} %d.0
        ragway_tokens_total{backend="gpu-b",direction="output",model="other",tenant="t"} 999.0
        """.formatted(requests, cached, input, output, cached * 10);
  }

  @Test
  void theLoadIsWhatModelsAnsweredBetweenTwoScrapes() {
    CapacityPlanner.Load load = MeasuredLoad.between(scrape(100, 50_000, 10_000, 3), scrape(160, 110_000, 22_000, 40),
        30, "llama");
    assertEquals(2.0, load.requestsPerSecond(), 1e-9, "60 answered by a model in 30 s; cache hits and 429s left out");
    assertEquals(1000, load.promptTokens(), 1e-9);
    assertEquals(200, load.outputTokens(), 1e-9);
  }

  @Test
  void noTrafficInTheWindowSaysWhatToDo() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MeasuredLoad.between(scrape(5, 1, 1, 0), scrape(5, 1, 1, 9), 10, "llama"));
    assertTrue(e.getMessage().contains("--rps"), e.getMessage());
  }
}

package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.guard.GuardPolicy;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.UpstreamConfig;
import io.ragway.store.AnswerRecords;
import io.ragway.testkit.Cli;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replay of answers upstream models wrote, against FakeOpenAi: rag's generator, a proxied model, a failing upstream. */
class ReplayUpstreamIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;
  private FakeOpenAi upstream;
  private RagwayFixture ragway;
  private Path config;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeOpenAi("up").reply("The lighthouse was built in 1872 [1].");
    ragway = new RagwayFixture(tmp, TestRouters.withoutBreaker(List.of(new UpstreamConfig("gpt", upstream.baseUrl(), "",
        "gpt", 8192, 0, 0, List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5))), "gpt", false, RateLimiter.Limits.NONE, 0,
        GuardPolicy.defaults(), Map.of(), "", new AnswerRecords.Config(true, Map.of(), 0), Clock.systemUTC());
    config = Files.writeString(tmp.resolve("ragway.yaml"), """
        models:
          - {name: gpt, base_url: "%s", model: gpt}
        generator: gpt
        gateway: {max_attempts: 1, base_delay_ms: 1, max_delay_ms: 2}
        """.formatted(upstream.baseUrl()));
  }

  @AfterEach
  void stop() {
    ragway.close();
    upstream.close();
  }

  private String ask(ObjectNode body) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));
    return JSON.readTree(r.body()).path("id").asText();
  }

  private static ObjectNode question(String model, String q) {
    ObjectNode body = JSON.createObjectNode().put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", q);
    return body;
  }

  private Cli.Run replay(String id, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("replay", id, "--data", tmp.toString(), "--config",
        config.toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void ragsGeneratorIsAskedAgainWithTheRecordedPromptVersionAndSources() throws Exception {
    String id = ask(question("rag", "When was the lighthouse built?"));
    JsonNode retrieval = JSON.readTree(ragway.answers().find("default", id).orElseThrow().retrieval());
    assertEquals("v1", retrieval.path("prompt_version").asText(), retrieval.toString());
    int before = upstream.requests().size();

    Cli.Run run = replay(id, "--json");

    assertEquals(0, run.code(), run.toString());
    JsonNode diff = JSON.readTree(run.out());
    assertTrue(diff.at("/answer/identical").asBoolean(), run.out());
    assertEquals("gpt", diff.at("/now/writer").asText());
    assertEquals("v1", diff.at("/now/prompt_version").asText());
    assertEquals(before + 1, upstream.requests().size(), "the generator was asked again");
    JsonNode asked = upstream.requests().getLast();
    assertTrue(asked.at("/messages/0/content").asText().contains("1872"), "with the retrieved sources: " + asked);
  }

  @Test
  void aProxiedModelIsAskedTheQuestionAgainWithTheRecordedParameters() throws Exception {
    String id = ask(question("gpt", "Say hello.").put("temperature", 0.2).put("seed", 7).put("max_tokens", 30));

    Cli.Run run = replay(id, "--json");

    assertEquals(0, run.code(), run.toString());
    JsonNode asked = upstream.requests().getLast();
    assertEquals(0.2, asked.path("temperature").asDouble(), 1e-9, asked.toString());
    assertEquals(7, asked.path("seed").asInt());
    assertEquals(30, asked.path("max_tokens").asInt());
    assertEquals("Say hello.", asked.at("/messages/0/content").asText());
    JsonNode diff = JSON.readTree(run.out());
    assertTrue(diff.at("/answer/identical").asBoolean(), run.out());
    assertEquals("fp_up", diff.at("/now/system_fingerprint").asText(), run.out());
    assertEquals(diff.at("/then/system_fingerprint").asText(), diff.at("/now/system_fingerprint").asText());
    assertTrue(diff.path("notes").toString().contains("may not answer the same twice"), run.out());
  }

  @Test
  void aFailingUpstreamEndsTheReplayWithOneLineAndNothingStoredChanges() throws Exception {
    String id = ask(question("gpt", "Say hello."));
    String stored = ragway.answers().find("default", id).orElseThrow().toString();
    upstream.next(FakeOpenAi.Fault.status(500));

    Cli.Run run = replay(id);

    assertEquals(1, run.code(), run.toString());
    assertTrue(run.err().startsWith("ragway: "), run.err());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertEquals(stored, ragway.answers().find("default", id).orElseThrow().toString(), "the record is as it was");
  }
}

package io.ragway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.guard.GuardPolicy;
import io.ragway.retrieve.SearchMode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  private static RagwayConfig parse(String yaml, Map<String, String> env) {
    return ConfigLoader.parse(yaml, "ragway.yaml", env::get);
  }

  @Test
  void missingFileGivesDefaults() {
    assertEquals(RagwayConfig.defaults(), ConfigLoader.load(Path.of("does-not-exist.yaml"), Map.of()));
    assertEquals(RagwayConfig.defaults(), parse("", Map.of()));
  }

  @Test
  void fileValuesOverrideOnlyTheKeysTheySet() {
    RagwayConfig c = parse("""
        retrieval:
          mode: BM25
          k: 7
        ingest:
          chunk_tokens: 128
        """, Map.of());
    assertEquals(SearchMode.BM25, c.retrieval().toRetrieveConfig().mode());
    assertEquals(7, c.retrieval().k());
    assertEquals(128, c.ingest().chunkTokens());
    assertEquals(RagwayConfig.defaults().ingest().overlapTokens(), c.ingest().overlapTokens());
    assertEquals(RagwayConfig.defaults().index(), c.index());
  }

  @Test
  void interpolatesEnvironmentWithFallback() {
    RagwayConfig c = parse("""
        embedding:
          provider: openai
          base_url: ${EMB_URL:-http://localhost:8000/v1}
          api_key: ${EMB_KEY}
        """, Map.of("EMB_KEY", "sk-test"));
    assertEquals("http://localhost:8000/v1", c.embedding().baseUrl());
    assertEquals("sk-test", c.embedding().apiKey());
  }

  @Test
  void metricsAreOnByDefaultAndTheirTokenComesFromTheEnvironment() {
    assertEquals(new RagwayConfig.Telemetry(true, ""), RagwayConfig.defaults().telemetry());
    RagwayConfig c = parse("""
        telemetry:
          metrics_token: ${METRICS_TOKEN}
        """, Map.of("METRICS_TOKEN", "scrape-me"));
    assertEquals(new RagwayConfig.Telemetry(true, "scrape-me"), c.telemetry());
    assertEquals(false, parse("telemetry: {metrics: false}", Map.of()).telemetry().metrics());
  }

  @Test
  void tracingIsOffAndTheRequestLogOnWithoutContentByDefault() {
    RagwayConfig.Telemetry t = RagwayConfig.defaults().telemetry();
    assertEquals("", t.tracing().otlpEndpoint());
    assertEquals(new RagwayConfig.RequestLog(true, false, 14, 100), t.requestLog());
    RagwayConfig c = parse("""
        telemetry:
          tracing: {otlp_endpoint: "http://jaeger:4318/v1/traces", sample_ratio: 0.25}
          request_log: {content: true, retention_days: 3, max_file_mb: 5}
        """, Map.of());
    assertEquals(new RagwayConfig.Tracing("http://jaeger:4318/v1/traces", 0.25, "ragway"), c.telemetry().tracing());
    assertEquals(new RagwayConfig.RequestLog(true, true, 3, 5), c.telemetry().requestLog());
  }

  @Test
  void refusesATracingEndpointThatIsNotHttpAndARetentionUnderADay() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> parse("telemetry:\n  tracing: {otlp_endpoint: \"jaeger:4317\"}\n", Map.of()));
    assertTrue(e.getMessage().contains("otlp_endpoint"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("telemetry:\n  request_log: {retention_days: 0}\n", Map.of()));
    assertTrue(e.getMessage().contains("retention_days"), e.getMessage());
  }

  @Test
  void readsUpstreamModelsWithSecretsFromTheEnvironment() {
    RagwayConfig c = parse("""
        models:
          - name: fast
            base_url: http://localhost:8000/v1
            api_key: ${UP_KEY}
            model: Qwen/Qwen2.5-7B-Instruct
            context_window: 32768
            input_price_per_1m: 0.15
            output_price_per_1m: 0.6
            cached_input_price_per_1m: 0.075
            fallbacks: [big]
          - name: big
            base_url: https://api.example.com/v1
        gateway:
          max_attempts: 4
        """, Map.of("UP_KEY", "sk-up"));
    assertEquals(2, c.models().size());
    var fast = c.models().get(0).toUpstream();
    assertEquals("sk-up", fast.apiKey());
    assertEquals("Qwen/Qwen2.5-7B-Instruct", fast.model());
    assertEquals(java.util.List.of("big"), fast.fallbacks());
    assertEquals(0.15, fast.inputPricePer1m(), "prices are read under the names docs/config.md gives");
    assertEquals(0.6, fast.outputPricePer1m());
    assertEquals(0.075, fast.cachedInputPricePer1m());
    assertEquals(0.0, c.models().get(1).toUpstream().cachedInputPricePer1m(), "the cached price defaults to the input price");
    assertEquals("big", c.models().get(1).toUpstream().model(), "upstream name defaults to the name");
    assertEquals(4, c.gateway().toRetryPolicy().maxAttempts());
  }

  @Test
  void aModelWithoutBaseUrlIsRejectedAtLoad() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("models:\n  - name: x\n", Map.of()));
    assertTrue(e.getMessage().contains("base_url"), e.getMessage());
  }

  @Test
  void unsetVariableWithoutFallbackIsAnError() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("embedding:\n  api_key: ${NOPE}\n", Map.of()));
    assertTrue(e.getMessage().contains("NOPE") && e.getMessage().contains("embedding.api_key"), e.getMessage());
  }

  @Test
  void misspeltKeyIsNamed() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("retrieval:\n  kk: 3\n", Map.of()));
    assertTrue(e.getMessage().contains("retrieval.kk"), e.getMessage());
  }

  @Test
  void invalidValuesAreExplained() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("ingest:\n  batch_size: 0\n", Map.of()));
    assertTrue(e.getMessage().contains("ingest.batch_size"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("retrieval:\n  k: many\n", Map.of()));
    assertTrue(e.getMessage().contains("ragway.yaml"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("key: [unclosed\n", Map.of()));
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("embedding:\n  provider: openai\n", Map.of()));
    assertTrue(e.getMessage().contains("embedding.base_url"), e.getMessage());
  }

  @Test
  void readsTheJsonOutputPolicyPerTenantAndBlocksByDefault() {
    RagwayConfig c = parse("""
        guard:
          policy:
            output: {json: flag}
          tenants:
            acme: {version: acme-2, pii: {mode: off}, output: {json: off}}
            beta: {version: beta-1}
        """, Map.of());
    assertEquals(GuardPolicy.JsonMode.FLAG, c.guard().defaultPolicy().json());
    assertEquals(GuardPolicy.JsonMode.OFF, c.guard().tenantPolicies().get("acme").json());
    assertEquals(GuardPolicy.JsonMode.FLAG, c.guard().tenantPolicies().get("beta").json(), "a key left out is the default's");
    assertEquals(GuardPolicy.JsonMode.BLOCK, RagwayConfig.defaults().guard().defaultPolicy().json());
    ConfigException e = assertThrows(ConfigException.class, () -> parse("guard:\n  policy:\n    output: {json: maybe}\n", Map.of()));
    assertTrue(e.getMessage().contains("guard.policy"), e.getMessage());
  }
  @Test
  void answerRecordsKeepNoContentByDefaultAndATenantMayKeepIt() {
    io.ragway.store.AnswerRecords.Config d = RagwayConfig.defaults().records().toConfig();
    assertEquals(false, d.keepsContent("default"));
    assertEquals(30, d.retentionDays());
    io.ragway.store.AnswerRecords.Config c = parse("""
        records:
          retention_days: 7
          tenants:
            acme: {content: true}
        """, Map.of()).records().toConfig();
    assertTrue(c.keepsContent("acme"));
    assertEquals(false, c.keepsContent("beta"));
    assertEquals(7, c.retentionDays());
    ConfigException e = assertThrows(ConfigException.class, () -> parse("records:\n  retention_days: -1\n", Map.of()));
    assertTrue(e.getMessage().contains("records.retention_days"), e.getMessage());
  }

  @Test
  void theLedgerFsyncsByDefaultAndOsModeTakesADelay() {
    assertEquals(io.ragway.store.LedgerSync.defaults(), parse("", Map.of()).ledger().toSync());
    assertEquals(io.ragway.store.LedgerSync.os(java.time.Duration.ofMillis(5)), parse("", Map.of()).ledger().toSync());
    io.ragway.store.LedgerSync os = parse("ledger:\n  sync: os\n  sync_delay_ms: 20\n", Map.of()).ledger().toSync();
    assertTrue(os.osOnly());
    assertEquals(java.time.Duration.ofMillis(20), os.delay());
    ConfigException e = assertThrows(ConfigException.class, () -> parse("ledger:\n  sync: never\n", Map.of()));
    assertTrue(e.getMessage().contains("ledger.sync must be fsync or os"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("ledger:\n  sync_delay_ms: -1\n", Map.of()));
    assertTrue(e.getMessage().contains("ledger.sync_delay_ms"), e.getMessage());
  }
}

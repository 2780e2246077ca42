package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.config.ConfigLoader;
import io.ragway.config.RagwayConfig;
import io.ragway.store.Database;
import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt and guard policy versions: stored at a server's start, listed and shown, a changed text refused. */
class VersionsCliTest {

  @TempDir Path tmp;

  private static final String CONFIG = """
      prompts:
        versions:
          - version: v2
            system: "%s"
      guard:
        policy:
          version: strict-1
          injection:
            action: flag
        tenants:
          acme:
            version: acme-1
            pii:
              mode: redact
      """;

  private Path config(String v2) throws Exception {
    Path f = tmp.resolve("ragway-" + Math.abs(v2.hashCode()) + ".yaml");
    Files.writeString(f, CONFIG.formatted(v2));
    return f;
  }

  private Run ragway(Path config, String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--data";
    all[args.length + 1] = tmp.resolve("data").toString();
    all[args.length + 2] = "--config";
    all[args.length + 3] = config.toString();
    return Cli.run(all);
  }

  /** What 'ragway serve' does first, before it opens the index. */
  private String start(Path config) {
    RagwayConfig c = ConfigLoader.load(config, Map.of());
    StringWriter err = new StringWriter();
    try (Database db = Database.open("", "", "", 2, tmp.resolve("data"))) {
      ConfiguredVersions.register(db, c, new PrintWriter(err));
    }
    return err.toString();
  }

  @Test
  void aServersVersionsAreStoredOnceListedAndShown() throws Exception {
    Path config = config("Answer in one sentence, citing [n].");
    String first = start(config);
    assertTrue(first.contains("stored prompt version rag@v1") && first.contains("stored prompt version rag@v2"), first);
    assertTrue(first.contains("stored guard policy version default@strict-1")
        && first.contains("stored guard policy version acme@acme-1"), first);
    assertEquals("", start(config), "a second start stores nothing");

    Run prompts = ragway(config, "prompts", "list");
    assertEquals(0, prompts.code(), prompts.toString());
    assertTrue(prompts.out().contains("rag                  v1") && prompts.out().contains("rag                  v2"),
        prompts.out());
    assertTrue(prompts.out().contains("serve:"), prompts.out());
    Run shown = ragway(config, "prompts", "show", "rag@v2");
    assertEquals(0, shown.code(), shown.toString());
    assertTrue(shown.out().contains("Answer in one sentence, citing [n]."), shown.out());
    Run json = ragway(config, "prompts", "show", "v2", "--json");
    assertTrue(json.out().contains("\"system\":\"Answer in one sentence, citing [n].\"") && json.out().contains("\"sha256\""),
        json.out());

    Run policies = ragway(config, "guard", "policies");
    assertTrue(policies.out().contains("acme                 acme-1") && policies.out().contains("default              strict-1"),
        policies.out());
    Run policy = ragway(config, "guard", "policies", "acme-1", "--json");
    assertEquals(0, policy.code(), policy.toString());
    assertTrue(policy.out().contains("\"pii\":\"REDACT\"") || policy.out().contains("\"pii\":\"redact\""), policy.out());
    assertTrue(policy.out().contains("\"scopes\":[\"acme\"]"), policy.out());

    String audit = ragway(config, "db", "audit").out();
    assertTrue(audit.contains("prompt.register") && audit.contains("guard_policy.register"), audit);
  }

  @Test
  void aChangedTextUnderAStoredVersionStopsTheServerBeforeItServes() throws Exception {
    start(config("Answer in one sentence, citing [n]."));
    Run serve = ragway(config("Answer at length."), "serve", "--port", "0");
    assertEquals(2, serve.code(), serve.toString());
    assertTrue(serve.err().contains("prompt version 'v2' of rag was stored on"), serve.err());
    assertTrue(serve.err().contains("needs a new version name in ragway.yaml"), serve.err());
    Run shown = ragway(config("Answer at length."), "prompts", "show", "rag@v2");
    assertTrue(shown.out().contains("Answer in one sentence"), "the stored text is unchanged: " + shown.out());
  }

  @Test
  void unknownOrMalformedVersionsAreUsageErrors() throws Exception {
    Path config = config("x");
    Run missing = ragway(config, "prompts", "show", "rag@v9");
    assertEquals(2, missing.code(), missing.toString());
    assertTrue(missing.err().contains("no prompt rag@v9 is stored"), missing.err());
    assertEquals(2, ragway(config, "prompts", "show", "rag@").code());
    assertEquals(2, ragway(config, "guard", "policies", "nope").code());
    Run empty = ragway(config, "prompts", "list");
    assertEquals(0, empty.code());
    assertTrue(empty.err().contains("none stored yet"), empty.err());
  }
}

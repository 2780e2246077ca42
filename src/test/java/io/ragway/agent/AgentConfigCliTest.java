package io.ragway.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.testkit.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad agent section stops the CLI with exit code 2 and one line naming the problem. */
class AgentConfigCliTest {

  @TempDir Path tmp;

  private void refused(String yaml, String fragment) throws Exception {
    Path config = Files.writeString(tmp.resolve("ragway.yaml"), yaml);
    Cli.Run r = Cli.run("serve", "--data", tmp.resolve("data").toString(), "--config", config.toString(), "--port", "0");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains(fragment), r.toString());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
    assertFalse(Files.exists(tmp.resolve("data")), "nothing written: " + r);
  }

  @Test
  void badToolsAreUsageErrors() throws Exception {
    refused("agent:\n  tools:\n    - {name: calculator, url: \"http://127.0.0.1:9/c\"}\n", "built-in");
    refused("agent:\n  tools:\n    - {name: t, url: \"http://127.0.0.1:9/c\", parameters: {type: object, required: 5}}\n",
        "not a valid JSON Schema");
    refused("agent:\n  tools:\n    - {name: t, url: \"http://h/a\"}\n    - {name: t, url: \"http://h/b\"}\n", "two tools");
    refused("agent: {model: missing}\n", "agent.model 'missing'");
  }
}

package io.ragway.guard;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guard decisions as JSON lines in {@code <data>/guard/decisions.jsonl}: time, request id, tenant,
 * check, action, score, detail and policy version, never the checked text. A write that fails is
 * logged and dropped: the guard's verdict stands whether or not its record could be written.
 */
public final class JsonlDecisionLog implements Guard.DecisionLog, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JsonlDecisionLog.class);

  private final ObjectMapper json;
  private final Clock clock;
  private final BufferedWriter out;

  public JsonlDecisionLog(Path file, ObjectMapper json, Clock clock) {
    this.json = json;
    this.clock = clock;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the guard decision log " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void record(String requestId, GuardDecision d) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("time", clock.instant().toString());
    row.put("request_id", requestId);
    row.put("tenant", d.tenant());
    row.put("check", d.check());
    row.put("action", d.action());
    row.put("score", Math.round(d.score() * 1000) / 1000.0);
    row.put("detail", d.detail());
    row.put("policy_version", d.policyVersion());
    try {
      out.write(json.writeValueAsString(row));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      LOG.warn("guard decision not logged: {}", e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      LOG.warn("closing the guard decision log: {}", e.getMessage());
    }
  }
}

package io.ragway.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.chat.PromptTemplates;
import io.ragway.config.JsonMappers;
import io.ragway.config.RagwayConfig;
import io.ragway.guard.GuardPolicy;
import io.ragway.store.Database;
import io.ragway.store.Stores;
import io.ragway.store.Versions;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The prompt template and guard policy versions a configuration answers with, as the records
 * database keeps them: each prompt version of {@code rag} (the built-in {@code v1} too) and the
 * guard policy of each scope ({@code default} and every tenant that has its own; with the guard
 * off, the built-in policy answer records then name).
 */
final class ConfiguredVersions {

  /** The name prompt versions are kept under: the prompt {@code rag}'s generator is given. */
  static final String PROMPT = "rag";

  private static final ObjectMapper JSON = JsonMappers.create();

  private ConfiguredVersions() {}

  static List<Versions.Seen> of(RagwayConfig config) {
    List<Versions.Seen> out = new ArrayList<>();
    for (PromptTemplates.Template t : config.prompts().templates().all()) {
      out.add(new Versions.Seen(Versions.Kind.PROMPT, PROMPT, t.version(), json(Map.of("system", t.system()))));
    }
    RagwayConfig.Guard g = config.guard();
    Map<String, GuardPolicy> policies = new TreeMap<>();
    policies.put("default", g.enabled() ? g.defaultPolicy() : GuardPolicy.defaults());
    if (g.enabled()) {
      policies.putAll(g.tenantPolicies());
    }
    policies.forEach((scope, p) -> out.add(new Versions.Seen(Versions.Kind.GUARD_POLICY, scope, p.version(), json(p))));
    return out;
  }

  /**
   * Stores the versions {@code config} answers with that {@code db} does not have yet, and says which
   * on {@code err}.
   *
   * @throws UsageException when a stored version has another text than the configured one
   */
  static void register(Database db, RagwayConfig config, PrintWriter err) {
    List<Versions.Version> added;
    try {
      added = Stores.versions(db, Clock.systemUTC(), actor()).register(of(config));
    } catch (Versions.VersionConflict e) {
      throw new UsageException(e.getMessage());
    }
    for (Versions.Version v : added) {
      err.printf("ragway: stored %s version %s (sha256 %s)%n", v.kind() == Versions.Kind.PROMPT ? "prompt" : "guard policy",
          v.label(), v.sha256().substring(0, 12));
    }
    err.flush();
  }

  /** Who starts the server: {@code serve:<os user>@<host>}. */
  static String actor() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "unknown";
    }
    return "serve:" + System.getProperty("user.name", "unknown") + "@" + host;
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a prompt or a policy always serialises", e);
    }
  }
}

package io.ragway.chat;

import io.ragway.llm.ChatModels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The versions of the prompt {@code rag}'s generator is given before the numbered sources. The
 * built-in {@code v1} is always there; {@code ragway.yaml} adds others by name, so a rollout arm
 * can name the version it answers with.
 */
public final class PromptTemplates {

  /** The built-in version's name. */
  public static final String BUILT_IN = "v1";

  /**
   * One version of the prompt.
   *
   * @param system the instructions placed before the sources in the system message
   */
  public record Template(String version, String system) {
    public Template {
      if (version == null || !version.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,49}")) {
        throw new IllegalArgumentException("a prompt version needs a name of letters, digits, '.', '_' or '-', got '"
            + version + "'");
      }
      if (system == null || system.isBlank()) {
        throw new IllegalArgumentException("prompt version " + version + " has no system text");
      }
    }
  }

  private final Map<String, Template> versions;

  private PromptTemplates(Map<String, Template> versions) {
    this.versions = versions;
  }

  /** {@code v1} plus {@code extra}; a version named twice, or named {@code v1}, is an error. */
  public static PromptTemplates of(List<Template> extra) {
    Map<String, Template> all = new LinkedHashMap<>();
    all.put(BUILT_IN, new Template(BUILT_IN, ChatModels.DEFAULT_INSTRUCTIONS));
    for (Template t : extra) {
      Objects.requireNonNull(t, "template");
      if (all.putIfAbsent(t.version(), t) != null) {
        throw new IllegalArgumentException("prompt version '" + t.version() + "' is defined twice"
            + (t.version().equals(BUILT_IN) ? " (v1 is the built-in one)" : ""));
      }
    }
    return new PromptTemplates(Map.copyOf(all));
  }

  /** Every version, the built-in {@code v1} first, then the others by name. */
  public List<Template> all() {
    return versions.values().stream()
        .sorted(java.util.Comparator.comparing((Template t) -> !t.version().equals(BUILT_IN)).thenComparing(Template::version))
        .toList();
  }

  public Optional<Template> get(String version) {
    return Optional.ofNullable(versions.get(version));
  }

  /** The named version; empty means {@code v1}. */
  public Template require(String version) {
    String v = version == null || version.isBlank() ? BUILT_IN : version;
    return get(v).orElseThrow(() -> new IllegalArgumentException("unknown prompt version '" + v + "' (known: "
        + versions.keySet().stream().sorted().toList() + ")"));
  }
}

package io.ragway.rollout;

import io.ragway.retrieve.SearchMode;
import java.util.Locale;
import java.util.Optional;

/**
 * One rollout of {@code ragway.yaml}: the public model clients ask for, a stable and a candidate
 * arm, how traffic is split between them, and when the candidate is rolled back by itself.
 *
 * @param name what the CLI, the metrics and the records call it
 * @param model the model clients send ({@code rag}, or an upstream model or alias)
 * @param mode shadow, canary or blue-green
 * @param percent the candidate's share of traffic in a canary, 0 to 100
 * @param sticky what keeps a caller on one arm: {@code user} (the request's {@code user} field, else
 *     its API key) or {@code session} (its session id, else as {@code user})
 */
public record RolloutConfig(String name, String model, String mode, Double percent, String sticky, Arm stable,
    Arm candidate, Rules rollback) {

  /** How the candidate takes traffic. */
  public enum Mode {
    /** The candidate answers a copy of every request off the request path; its answers are logged, never returned. */
    SHADOW,
    /** The candidate answers {@code percent} of callers, each caller staying on its arm. */
    CANARY,
    /** Every request goes to the active arm: the candidate until it is rolled back. */
    BLUE_GREEN;

    static Mode parse(String s) {
      String v = String.valueOf(s).strip().toLowerCase(Locale.ROOT);
      return switch (v) {
        case "shadow" -> SHADOW;
        case "canary" -> CANARY;
        case "blue-green", "blue_green", "bluegreen" -> BLUE_GREEN;
        default -> throw new IllegalArgumentException("mode must be shadow, canary or blue-green, got '" + s + "'");
      };
    }

    public String label() {
      return this == BLUE_GREEN ? "blue-green" : name().toLowerCase(Locale.ROOT);
    }
  }

  public RolloutConfig {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
      throw new IllegalArgumentException("every rollout needs a name of letters, digits, '.', '_' or '-', got '" + name + "'");
    }
    String where = "rollouts." + name;
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException(where + ".model: the model clients ask for is missing");
    }
    mode = Mode.parse(mode == null ? "canary" : mode).label();
    percent = percent == null ? 10.0 : percent;
    if (percent.isNaN() || percent < 0 || percent > 100) {
      throw new IllegalArgumentException(where + ".percent must be between 0 and 100, got " + percent);
    }
    sticky = sticky == null ? "user" : sticky.strip().toLowerCase(Locale.ROOT);
    if (!sticky.equals("user") && !sticky.equals("session")) {
      throw new IllegalArgumentException(where + ".sticky must be user or session, got '" + sticky + "'");
    }
    stable = stable == null ? new Arm(null, null, null) : stable;
    if (candidate == null) {
      throw new IllegalArgumentException(where + ".candidate is missing: a rollout needs the arm it rolls out");
    }
    rollback = rollback == null ? new Rules(null, null, null, null, null, null) : rollback;
  }

  /** The mode, parsed. */
  Mode kind() {
    return Mode.parse(mode);
  }

  /**
   * One arm: what answers the requests it gets.
   *
   * @param model for a rollout of {@code rag}, the generator ({@code extractive} or an upstream
   *     model; empty: the configured generator); otherwise the upstream model that answers (empty:
   *     the rollout's own model)
   * @param prompt the prompt version the generator is given (empty: {@code v1}); {@code rag} only
   * @param retrieval search mode and depth (empty: the configured ones); {@code rag} only
   */
  public record Arm(String model, String prompt, Retrieval retrieval) {
    public Arm {
      model = model == null ? "" : model.strip();
      prompt = prompt == null ? "" : prompt.strip();
      retrieval = retrieval == null ? new Retrieval(null, null) : retrieval;
    }

    /** Whether this arm changes nothing of how {@code rag} answers (the server's own pipeline serves it). */
    boolean isDefault() {
      return model.isEmpty() && prompt.isEmpty() && retrieval.mode().isEmpty() && retrieval.k() == null;
    }
  }

  /** Search settings of an arm; empty values take {@code retrieval} of {@code ragway.yaml}. */
  public record Retrieval(String mode, Integer k) {
    public Retrieval {
      mode = mode == null ? "" : mode.strip();
      if (!mode.isEmpty()) {
        SearchMode.parse(mode);
      }
      if (k != null && (k < 1 || k > 100)) {
        throw new IllegalArgumentException("retrieval.k must be between 1 and 100, got " + k);
      }
    }

    public Optional<SearchMode> searchMode() {
      return mode.isEmpty() ? Optional.empty() : Optional.of(SearchMode.parse(mode));
    }

    public Optional<Integer> depth() {
      return Optional.ofNullable(k);
    }
  }

  /**
   * When the candidate is rolled back: over each arm's last {@code window} requests (and no older
   * than {@code windowSeconds}, when that is above 0), once both have at least
   * {@code minRequests}, if its guard-hit rate is {@code guardHitPoints} percentage points above
   * stable's, its p99 latency {@code p99Ms} above stable's, or its error rate above
   * {@code errorRate}; and, when {@code thumbsDown} is set, if its thumbs-down rate is significantly
   * above stable's.
   */
  public record Rules(Integer minRequests, Integer window, Integer windowSeconds, Double guardHitPoints, Double p99Ms,
      Double errorRate, ThumbsDown thumbsDown) {

    /** The rules without a thumbs-down rule. */
    public Rules(Integer minRequests, Integer window, Integer windowSeconds, Double guardHitPoints, Double p99Ms,
        Double errorRate) {
      this(minRequests, window, windowSeconds, guardHitPoints, p99Ms, errorRate, null);
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public Rules {
      thumbsDown = thumbsDown == null ? ThumbsDown.OFF : thumbsDown;
      minRequests = minRequests == null ? 50 : minRequests;
      window = window == null ? Math.max(200, minRequests) : window;
      windowSeconds = windowSeconds == null ? 0 : windowSeconds;
      guardHitPoints = guardHitPoints == null ? 5.0 : guardHitPoints;
      p99Ms = p99Ms == null ? 50.0 : p99Ms;
      errorRate = errorRate == null ? 0.05 : errorRate;
      if (minRequests < 1 || window < minRequests || windowSeconds < 0) {
        throw new IllegalArgumentException("rollback: min_requests must be >= 1, window >= min_requests and "
            + "window_seconds >= 0 (0: no age limit), got " + minRequests + ", " + window + ", " + windowSeconds);
      }
      if (guardHitPoints < 0 || p99Ms < 0 || errorRate < 0 || errorRate > 1) {
        throw new IllegalArgumentException("rollback: guard_hit_points and p99_ms must be >= 0, error_rate between 0 and 1");
      }
    }
  }

  /**
   * Roll back when the candidate's share of thumbs-down feedback is significantly above stable's
   * (a one-sided mixture SPRT over all feedback since the rollout started running; docs/rollout.md).
   *
   * @param enabled whether the rule is read (true when {@code thumbs_down} is in ragway.yaml)
   * @param minSamples feedback each arm needs before any decision
   * @param alpha the chance of rolling back a candidate that is no worse, however often it is checked
   * @param minIncrease the least rise of the thumbs-down rate (0.05 = 5 points) worth a rollback;
   *     also the scale of the test's mixing prior
   */
  public record ThumbsDown(Boolean enabled, Integer minSamples, Double alpha, Double minIncrease) {

    /** No thumbs-down rule. */
    public static final ThumbsDown OFF = new ThumbsDown(false, null, null, null);

    public ThumbsDown {
      enabled = enabled == null || enabled;
      minSamples = minSamples == null ? 100 : minSamples;
      alpha = alpha == null ? 0.05 : alpha;
      minIncrease = minIncrease == null ? 0.05 : minIncrease;
      if (minSamples < 10) {
        throw new IllegalArgumentException("rollback.thumbs_down.min_samples must be >= 10 (the test's normal "
            + "approximation needs them), got " + minSamples);
      }
      if (!(alpha > 0 && alpha < 0.5)) {
        throw new IllegalArgumentException("rollback.thumbs_down.alpha must be above 0 and below 0.5, got " + alpha);
      }
      if (!(minIncrease > 0 && minIncrease < 1)) {
        throw new IllegalArgumentException("rollback.thumbs_down.min_increase must be above 0 and below 1, got "
            + minIncrease);
      }
    }
  }

  /** Checks the arms against the models this server has: {@code upstream} lists ragway.yaml's models. */
  public void validate(java.util.Set<String> upstream) {
    String where = "rollouts." + name;
    boolean rag = model.equals("rag");
    for (var e : java.util.Map.of("stable", stable, "candidate", candidate).entrySet()) {
      Arm a = e.getValue();
      String at = where + "." + e.getKey();
      if (rag) {
        if (!a.model().isEmpty() && !a.model().equals("extractive") && !upstream.contains(a.model())) {
          throw new IllegalArgumentException(at + ".model: unknown model '" + a.model() + "' (extractive or one of "
              + "models: " + upstream + ")");
        }
      } else {
        if (!a.prompt().isEmpty() || !a.retrieval().mode().isEmpty() || a.retrieval().k() != null) {
          throw new IllegalArgumentException(at + ": prompt and retrieval apply to rollouts of model 'rag' only");
        }
        String m = a.model().isEmpty() ? model : a.model();
        if (!upstream.contains(m)) {
          throw new IllegalArgumentException(at + ".model: unknown model '" + m + "' (one of models: " + upstream + ")");
        }
      }
    }
    if (stable.equals(candidate)) {
      throw new IllegalArgumentException(where + ": the candidate is the same as stable");
    }
  }
}

package io.ragway.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.chat.Answer;
import io.ragway.chat.RagPipeline;
import io.ragway.config.Hashes;
import io.ragway.config.JsonMappers;
import io.ragway.embed.EmbeddingModel;
import io.ragway.guard.Guard;
import io.ragway.llm.Router;
import io.ragway.telemetry.Telemetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rollouts over sliding windows of each arm's outcomes, with their state in a {@link RolloutStore}.
 */
final class WindowedRollouts implements Rollouts {

  /*
   * A request's arm is fixed when it arrives; its outcome is added to that arm's window when its
   * response is sent, and the rules are read right after, under the rollout's lock. A breach
   * switches the rollout to stable, persists the decision with both arms' figures, and logs it.
   *
   * States are read back from the store at most once a second (on a background thread), so an
   * operator's promote, rollback or resume from the CLI, or a rollback by another replica, takes
   * effect within a second; the latest figures are written back then for 'ragway rollout status'.
   *
   * Shadow answers run on virtual threads, drift embeddings on one thread in arrival order, both
   * behind semaphores: when they are all busy the work is skipped (and logged), never queued behind
   * the client's request.
   */

  private static final Logger LOG = LoggerFactory.getLogger("io.ragway.rollout");
  private static final Duration REFRESH = Duration.ofSeconds(1);
  private static final int SHADOW_SLOTS = 8;
  private static final int DRIFT_SLOTS = 32;

  /** One configured rollout and its windows; guarded by its own monitor. */
  private final class Live {
    final RolloutConfig config;
    final ArmWindow stable;
    final ArmWindow candidate;
    volatile RolloutStore.State state = RolloutStore.State.RUNNING;
    volatile String reason = "started";
    volatile Instant decidedAt = Instant.EPOCH; // the time of the state this process holds
    volatile boolean dirty;
    // feedback since the rollout last started running: {stable ratings, stable downs, candidate ratings, candidate downs}
    final long[] ratings = new long[4];

    Live(RolloutConfig config) {
      this.config = config;
      RolloutConfig.Rules r = config.rollback();
      this.stable = windows.open(config.name(), "stable", r.window(), Duration.ofSeconds(r.windowSeconds()));
      this.candidate = windows.open(config.name(), "candidate", r.window(), Duration.ofSeconds(r.windowSeconds()));
    }
  }

  private final ObjectMapper json = JsonMappers.create();
  private final Map<String, Live> byModel = new LinkedHashMap<>();
  private final Map<String, Live> byName = new LinkedHashMap<>();
  private final DriftConfig driftConfig;
  private final ConcurrentMap<String, DriftMonitor> drifts = new ConcurrentHashMap<>();
  private final Arms arms;
  private final ArmWindow.Factory windows;
  private final RolloutStore store;
  private final Telemetry telemetry;
  private final Optional<EmbeddingModel> embedder;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final ConcurrentMap<String, Ticket> open = new ConcurrentHashMap<>();
  private final Semaphore shadowSlots = new Semaphore(SHADOW_SLOTS);
  private final Semaphore driftSlots = new Semaphore(DRIFT_SLOTS);
  // one thread embeds questions in the order they were answered, so windows follow arrival order
  private final java.util.concurrent.ExecutorService drifting = java.util.concurrent.Executors.newSingleThreadExecutor(
      Thread.ofVirtual().name("ragway-drift").factory());
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final Events events;
  private volatile Instant lastRefresh = Instant.EPOCH;
  private volatile boolean closed;

  WindowedRollouts(List<RolloutConfig> configs, DriftConfig drift, Arms arms, RolloutStore store, Telemetry telemetry,
      Optional<EmbeddingModel> embedder, Clock clock, LongSupplier nanoTime) {
    this(configs, drift, arms, store, telemetry, embedder, clock, nanoTime, Events.NONE);
  }

  WindowedRollouts(List<RolloutConfig> configs, DriftConfig drift, Arms arms, RolloutStore store, Telemetry telemetry,
      Optional<EmbeddingModel> embedder, Clock clock, LongSupplier nanoTime, Events events) {
    this(configs, drift, arms, store, telemetry, embedder, clock, nanoTime, events, ArmWindow.Factory.LOCAL);
  }

  WindowedRollouts(List<RolloutConfig> configs, DriftConfig drift, Arms arms, RolloutStore store, Telemetry telemetry,
      Optional<EmbeddingModel> embedder, Clock clock, LongSupplier nanoTime, Events events, ArmWindow.Factory windows) {
    this.events = java.util.Objects.requireNonNull(events, "events");
    this.windows = java.util.Objects.requireNonNull(windows, "windows");
    for (RolloutConfig c : configs) {
      Live live = new Live(c);
      if (byModel.putIfAbsent(c.model(), live) != null) {
        throw new IllegalArgumentException("two rollouts of model '" + c.model() + "': a model has one rollout at a time");
      }
      if (byName.putIfAbsent(c.name(), live) != null) {
        throw new IllegalArgumentException("two rollouts named '" + c.name() + "'");
      }
    }
    this.driftConfig = drift;
    this.arms = arms;
    this.store = store;
    this.telemetry = telemetry;
    this.embedder = drift.enabled() ? embedder : Optional.empty();
    this.clock = clock;
    this.nanoTime = nanoTime;
    refresh(); // a rollout rolled back before a restart stays rolled back from the first request
  }

  // ---- routing ----

  @Override
  public Ticket route(Request request) {
    maybeRefresh();
    long now = nanoTime.getAsLong();
    Live live = byModel.get(request.model());
    if (live == null) {
      Ticket t = new Ticket(request.model(), null, null, request.model(), Optional.empty(), Optional.empty(),
          Optional.empty(), request.requestId(), now, this::settled);
      return driftConfig.enabled() ? t : Ticket.unrouted(request.model());
    }
    boolean candidate = switch (live.state) {
      case PROMOTED -> true;
      case ROLLED_BACK -> false;
      case RUNNING -> switch (live.config.kind()) {
        case SHADOW -> false;
        case BLUE_GREEN -> true;
        case CANARY -> bucket(live.config, stickyKey(live.config, request)) < live.config.percent() * 100;
      };
    };
    RolloutConfig.Arm arm = candidate ? live.config.candidate() : live.config.stable();
    Ticket t = ticket(live, arm, candidate ? "candidate" : "stable", request, now);
    t.prompt = arm.prompt();
    t.filter = request.filter();
    open.put(request.requestId(), t);
    return t;
  }

  private Ticket ticket(Live live, RolloutConfig.Arm arm, String name, Request request, long now) {
    RolloutConfig c = live.config;
    if (!c.model().equals("rag")) {
      return new Ticket(c.model(), c.name(), name, arm.model().isEmpty() ? c.model() : arm.model(), Optional.empty(),
          Optional.empty(), Optional.empty(), request.requestId(), now, this::settled);
    }
    Optional<RagPipeline> pipeline = arm.model().isEmpty() && arm.prompt().isEmpty() ? Optional.empty()
        : Optional.of(arms.pipeline(arm));
    return new Ticket(c.model(), c.name(), name, c.model(), pipeline, arm.retrieval().searchMode(), arm.retrieval().depth(),
        request.requestId(), now, this::settled);
  }

  /** Who a request is, for stickiness: its session, its {@code user} field, or its key (per request for anonymous callers). */
  private static String stickyKey(RolloutConfig c, Request r) {
    if (c.sticky().equals("session")) {
      JsonNode s = r.body().path("session_id");
      if (s.isTextual() && !s.asText().isBlank()) {
        return "session:" + s.asText();
      }
      if (!r.sessionHeader().isBlank()) {
        return "session:" + r.sessionHeader();
      }
    }
    JsonNode user = r.body().path("user");
    if (user.isTextual() && !user.asText().isBlank()) {
      return "user:" + user.asText();
    }
    // every anonymous caller shares one key: spread them per request rather than all on one arm
    return r.callerKey().equals("anonymous") ? "request:" + r.requestId() : "key:" + r.callerKey();
  }

  /** A stable bucket 0..9999 of a caller within a rollout (SHA-256, so callers spread evenly). */
  static int bucket(RolloutConfig c, String key) {
    byte[] h = Hashes.digest(c.name() + "|" + key);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[i] & 0xff);
    }
    return (int) Long.remainderUnsigned(v, 10_000);
  }

  @Override
  public Guard.DecisionLog watching(Guard.DecisionLog next) {
    return (requestId, d) -> {
      Ticket t = open.get(requestId);
      if (t != null && !d.action().equals("allow")) {
        t.guardHit = true;
      }
      next.record(requestId, d);
    };
  }

  // ---- outcomes ----

  private void settled(Ticket t, int status) {
    open.remove(t.requestId);
    if (status == 200 && t.request != null) {
      drift(t);
    }
    if (t.rollout == null) {
      return;
    }
    Live live = byName.get(t.rollout);
    double latency = Math.max(0, (nanoTime.getAsLong() - t.startNanos) / 1e6);
    boolean error = status >= 500 || (t.endedEarly && !t.guardHit);
    record(live, t.arm.equals("candidate"), new Outcome(clock.instant(), latency, error, t.guardHit));
    if (live.config.kind() == RolloutConfig.Mode.SHADOW && live.state == RolloutStore.State.RUNNING && status == 200
        && t.request != null) {
      shadow(live, t);
    }
  }

  /** Adds an outcome to an arm's window and reads the rules; a breach rolls the candidate back. */
  void record(Live live, boolean candidate, Outcome o) {
    Figures s;
    Figures c;
    Optional<String> breach = Optional.empty();
    synchronized (live) {
      (candidate ? live.candidate : live.stable).add(o);
      s = live.stable.figures(o.at());
      c = live.candidate.figures(o.at());
      live.dirty = true;
      if (live.state == RolloutStore.State.RUNNING) {
        breach = RollbackRules.breach(live.config.rollback(), s, c);
        if (breach.isPresent()) {
          decide(live, "rollback", "controller", breach.get(), RolloutStore.State.ROLLED_BACK, s, c);
        }
      }
    }
    Figures f = candidate ? c : s;
    telemetry.rolloutWindow(live.config.name(), candidate ? "candidate" : "stable", f.requests(), f.errors(),
        f.guardHits(), f.p99Ms() / 1000);
  }

  @Override
  public void feedback(String label, String rating) {
    int slash = label.lastIndexOf('/');
    Live live = slash < 0 ? null : byName.get(label.substring(0, slash));
    String arm = slash < 0 ? "" : label.substring(slash + 1);
    if (live == null || !(arm.equals("stable") || arm.equals("candidate"))) {
      return; // an answer of a rollout no longer configured
    }
    int at = arm.equals("candidate") ? 2 : 0;
    synchronized (live) {
      live.ratings[at]++;
      live.ratings[at + 1] += MixtureSprt.isDown(rating) ? 1 : 0;
      live.dirty = true;
      if (live.state == RolloutStore.State.RUNNING) {
        long[] r = live.ratings;
        Optional<String> breach = MixtureSprt.breach(live.config.rollback().thumbsDown(), r[0], r[1], r[2], r[3]);
        if (breach.isPresent()) {
          Instant now = clock.instant();
          decide(live, "rollback", "controller", breach.get(), RolloutStore.State.ROLLED_BACK, live.stable.figures(now),
              live.candidate.figures(now));
        }
      }
    }
  }

  /** Sets a rollout's state, persists the decision with the figures behind it, logs and counts it. Holds live's lock. */
  private void decide(Live live, String action, String actor, String reason, RolloutStore.State next, Figures s, Figures c) {
    Instant at = clock.instant();
    String figures = figuresJson(s, c, at, live.ratings);
    live.state = next;
    live.reason = reason;
    live.decidedAt = at;
    try {
      store.decide(new RolloutStore.Decision(live.config.name(), at, action, actor, reason, figures), next);
    } catch (RuntimeException e) {
      // the switch holds in this process even when the records cannot take it; the log keeps the reason
      LOG.error("rollout {}: {} could not be recorded: {}", live.config.name(), action, e.getMessage());
    }
    telemetry.rolloutDecision(live.config.name(), action, RollbackRules.kind(reason));
    telemetry.rolloutState(live.config.name(), live.config.mode(), next.label());
    ObjectNode event = json.createObjectNode().put("event", "rollout_decision").put("rollout", live.config.name())
        .put("model", live.config.model()).put("mode", live.config.mode()).put("action", action).put("actor", actor)
        .put("state", next.label()).put("reason", reason).put("at", at.toString());
    event.set("figures", read(figures));
    LOG.warn("{}", event);
    if (actor.equals("controller")) {
      raise("rollback", event);
    }
  }

  // ---- shadow ----

  /** The candidate answers a copy of the request on a virtual thread; its answer is compared with stable's and logged. */
  private void shadow(Live live, Ticket t) {
    if (!shadowSlots.tryAcquire()) {
      LOG.info("{}", json.createObjectNode().put("event", "rollout_shadow_skipped").put("rollout", live.config.name())
          .put("request_id", t.requestId).put("reason", "all " + SHADOW_SLOTS + " shadow slots busy"));
      return;
    }
    ObjectNode request = t.request.deepCopy();
    String stableAnswer = t.answer == null ? "" : t.answer;
    Thread.ofVirtual().name("ragway-shadow").start(() -> {
      try {
        long start = nanoTime.getAsLong();
        double[] cost = {0};
        String text;
        boolean failed = false;
        try {
          text = shadowAnswer(live.config, request, cost, t);
        } catch (RuntimeException e) {
          failed = true;
          text = "";
          LOG.info("{}", json.createObjectNode().put("event", "rollout_shadow_failed").put("rollout", live.config.name())
              .put("request_id", t.requestId).put("error", String.valueOf(e.getMessage())));
        }
        double latency = (nanoTime.getAsLong() - start) / 1e6;
        record(live, true, new Outcome(clock.instant(), latency, failed, false));
        double f1 = failed ? -1 : TokenOverlap.f1(stableAnswer, text);
        telemetry.rolloutShadow(live.config.name(), f1, cost[0]);
        if (!failed) {
          LOG.info("{}", json.createObjectNode().put("event", "rollout_shadow").put("rollout", live.config.name())
              .put("request_id", t.requestId).put("token_f1", Math.round(f1 * 1000) / 1000.0)
              .put("latency_ms", Math.round(latency)).put("cost_usd", cost[0])
              .put("stable_chars", stableAnswer.length()).put("candidate_chars", text.length()));
        }
      } finally {
        shadowSlots.release();
      }
    });
  }

  private String shadowAnswer(RolloutConfig c, ObjectNode request, double[] cost, Ticket t) {
    Router router = arms.router();
    RolloutConfig.Arm arm = c.candidate();
    if (!c.model().equals("rag")) {
      String model = arm.model().isEmpty() ? c.model() : arm.model();
      request.put("model", model).put("stream", false);
      request.remove("stream_options");
      Router.Served served = router.complete(model, request);
      JsonNode usage = served.response().path("usage");
      cost[0] = router.cost(served.model(), usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0));
      return served.response().path("choices").path(0).path("message").path("content").asText("");
    }
    String question = "";
    for (JsonNode m : request.path("messages")) {
      if (m.path("role").asText().equals("user") && m.path("content").isTextual()) {
        question = m.get("content").asText();
      }
    }
    RagPipeline pipeline = arms.pipeline(arm);
    Answer a = pipeline.ask(question, arm.retrieval().searchMode().orElse(arms.mode()), arm.retrieval().depth()
        .orElse(arms.k()), t.filter, false);
    if (router.serves(pipeline.modelName())) {
      cost[0] = router.cost(pipeline.modelName(), a.usage().promptTokens(), a.usage().completionTokens());
    }
    return a.text();
  }

  // ---- drift ----

  private void drift(Ticket t) {
    if (embedder.isEmpty()) {
      return;
    }
    String question = "";
    for (JsonNode m : t.request.path("messages")) {
      if (m.path("role").asText().equals("user") && m.path("content").isTextual()) {
        question = m.get("content").asText();
      }
    }
    if (question.isBlank() || !driftSlots.tryAcquire()) {
      return;
    }
    String q = question;
    boolean abstained = t.abstained;
    drifting.execute(() -> {
      try {
        float[] v = embedder.get().embedQuery(q);
        observe(t.asked, v, abstained);
      } catch (RuntimeException e) {
        LOG.debug("drift: cannot embed a question: {}", e.getMessage());
      } finally {
        driftSlots.release();
      }
    });
  }

  /** Adds one question of {@code model} to its drift monitor; raises the metric and a log event past the thresholds. */
  void observe(String model, float[] vector, boolean abstained) {
    DriftMonitor m = drifts.computeIfAbsent(model, x -> new DriftMonitor(driftConfig));
    Optional<DriftMonitor.Reading> r;
    synchronized (m) {
      r = m.observe(vector, abstained);
    }
    r.ifPresent(reading -> {
      telemetry.drift(model, reading.psi(), reading.abstentionRate(), reading.baselineAbstentionRate());
      for (String kind : reading.alerts()) {
        telemetry.driftAlert(model, kind);
        ObjectNode event = json.createObjectNode().put("event", "drift").put("model", model).put("kind", kind)
            .put("psi", Math.round(reading.psi() * 1000) / 1000.0).put("kl", Math.round(reading.kl() * 1000) / 1000.0)
            .put("psi_threshold", driftConfig.psiThreshold())
            .put("abstention_rate", reading.abstentionRate()).put("baseline_abstention_rate", reading.baselineAbstentionRate())
            .put("window", driftConfig.window()).put("at", clock.instant().toString());
        LOG.warn("{}", event);
        raise("drift", event);
      }
    });
  }

  /** Hands an event to the listeners; their failure never reaches the request that raised it. */
  private void raise(String type, ObjectNode event) {
    try {
      events.raised(type, event.deepCopy());
    } catch (RuntimeException e) {
      LOG.warn("rollouts: the {} event was not handed on: {}", type, e.getMessage());
    }
  }

  // ---- state ----

  private void maybeRefresh() {
    if (closed || clock.instant().isBefore(lastRefresh.plus(REFRESH)) || !refreshing.compareAndSet(false, true)) {
      return;
    }
    lastRefresh = clock.instant();
    Thread.ofVirtual().name("ragway-rollout-refresh").start(() -> {
      try {
        refresh();
      } finally {
        refreshing.set(false);
      }
    });
  }

  /** Reads states that changed elsewhere (the CLI, another replica) and writes back the latest figures. */
  void refresh() {
    Map<String, RolloutStore.Stored> stored;
    try {
      stored = store.states();
    } catch (RuntimeException e) {
      LOG.warn("rollouts: cannot read states: {}", e.getMessage());
      return;
    }
    for (Live live : byName.values()) {
      RolloutStore.Stored s = stored.get(live.config.name());
      synchronized (live) {
        // only a newer decision made elsewhere changes it (not a read that raced with our own)
        if (s != null && s.state() != live.state && s.updated().isAfter(live.decidedAt)) {
          live.decidedAt = s.updated();
          if (s.state() == RolloutStore.State.RUNNING) {
            live.stable.clear(); // resumed: the windows start afresh
            live.candidate.clear();
            java.util.Arrays.fill(live.ratings, 0);
          }
          live.state = s.state();
          live.reason = s.reason();
          LOG.info("{}", json.createObjectNode().put("event", "rollout_state").put("rollout", live.config.name())
              .put("state", s.state().label()).put("reason", s.reason()));
        }
        telemetry.rolloutState(live.config.name(), live.config.mode(), live.state.label());
        if (live.dirty) {
          live.dirty = false;
          Instant now = clock.instant();
          try {
            store.saveFigures(live.config.name(), figuresJson(live.stable.figures(now), live.candidate.figures(now), now,
                live.ratings));
          } catch (RuntimeException e) {
            LOG.warn("rollouts: cannot save the figures of {}: {}", live.config.name(), e.getMessage());
          }
        }
      }
    }
  }

  @Override
  public List<Status> status() {
    List<Status> out = new ArrayList<>();
    Instant now = clock.instant();
    for (Live live : byName.values()) {
      synchronized (live) {
        RolloutConfig c = live.config;
        out.add(new Status(c.name(), c.model(), c.mode(), c.percent(), live.state.label(), live.reason,
            live.stable.figures(now), live.candidate.figures(now)));
      }
    }
    return out;
  }

  private String figuresJson(Figures s, Figures c, Instant at, long[] ratings) {
    ObjectNode n = json.createObjectNode().put("at", at.toString());
    n.set("stable", json.valueToTree(s));
    n.set("candidate", json.valueToTree(c));
    if (ratings[0] + ratings[2] > 0) { // feedback since the rollout started running, for the thumbs-down rule
      ObjectNode f = n.putObject("feedback");
      f.putObject("stable").put("ratings", ratings[0]).put("down", ratings[1]);
      f.putObject("candidate").put("ratings", ratings[2]).put("down", ratings[3]);
    }
    return n.toString();
  }

  private JsonNode read(String text) {
    try {
      return json.readTree(text);
    } catch (java.io.IOException e) {
      return json.createObjectNode();
    }
  }

  @Override
  public void close() {
    closed = true;
    drifting.shutdownNow();
    refresh(); // the last figures
  }
}

package io.ragway.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The guardrails of the request path, per tenant policy:
 *
 * <ol>
 *   <li>{@link #checkInput}: each user message is scored for injection (block, flag or allow) and
 *       its personal data redacted, masked, pseudonymised or refused;
 *   <li>{@link #admitsPassage}: each retrieved passage that reads as an injection is dropped before
 *       a model sees it (or flagged);
 *   <li>{@link #ground} (or a {@link SentenceGate} for a stream): answer sentences that their cited
 *       sources do not support are flagged or removed;
 *   <li>{@link #checkOutput} (or a {@link StreamCheck} for a stream): the answer gets the request's
 *       pseudonyms back, its own personal data treated, and is withheld when it holds a denied term;
 *   <li>{@link #rejectJson}: an answer that is not the JSON its request's {@code response_format}
 *       asks for (found by a {@link JsonOutputCheck}) is blocked or flagged.
 * </ol>
 *
 * Every finding becomes a {@link GuardDecision} in the decision log, with the policy's version.
 */
public final class Guard {

  /** Where decisions go. */
  public interface DecisionLog {
    void record(String requestId, GuardDecision decision);

    static DecisionLog none() {
      return (id, d) -> {};
    }
  }

  /**
   * The user messages as they go on, and what the checks found.
   *
   * @param texts the messages after PII treatment, in the order given
   * @param flags findings that did not block (named in {@code x-ragway-guard})
   */
  public record Input(List<String> texts, Pseudonyms pseudonyms, List<GuardDecision> flags) {}

  /**
   * An answer as it goes out.
   *
   * @param withheld whether a denied term made the guard withhold it ({@code text} is then a notice)
   */
  public record Output(String text, boolean withheld, List<GuardDecision> decisions) {}

  /**
   * An answer after the groundedness check.
   *
   * @param text the answer, without the unsupported sentences when the policy removes them
   * @param unsupported the sentences the sources do not support
   */
  public record Grounded(String text, List<Groundedness.Verdict> unsupported) {}

  static final String WITHHELD = "The answer was withheld by the content policy.";

  /** A policy's denied terms as one pattern, compiled once, and the longest term's length. */
  private record Denied(Pattern pattern, int longest) {}

  private final GuardPolicy defaults;
  private final Map<String, GuardPolicy> tenants;
  private final DecisionLog log;
  private final Map<InjectionDetector.Vectors, InjectionDetector> byVectors = new EnumMap<>(InjectionDetector.Vectors.class);
  private final Map<GuardPolicy, Denied> denied = new IdentityHashMap<>();
  private final boolean enabled;
  /** Rule findings by passage text: the same chunks come back for many questions. */
  private final Cache<String, InjectionDetector.Detection> passages = Caffeine.newBuilder().maximumSize(10_000).build();

  public Guard(InjectionDetector detector, GuardPolicy defaults, Map<String, GuardPolicy> tenants, DecisionLog log) {
    this(defaults, tenants, log, true);
    Objects.requireNonNull(detector, "detector");
    for (InjectionDetector.Vectors v : InjectionDetector.Vectors.values()) {
      byVectors.put(v, detector.withVectors(v));
    }
  }

  private Guard(GuardPolicy defaults, Map<String, GuardPolicy> tenants, DecisionLog log, boolean enabled) {
    this.enabled = enabled;
    this.defaults = Objects.requireNonNull(defaults, "defaults");
    this.tenants = Map.copyOf(tenants);
    this.log = Objects.requireNonNull(log, "log");
    denied.put(this.defaults, compile(this.defaults));
    this.tenants.values().forEach(p -> denied.put(p, compile(p)));
    if (enabled && Stream.concat(Stream.of(this.defaults), this.tenants.values().stream()).anyMatch(Guard::findsNames)) {
      NamedEntities.shared(); // loads the model now rather than on a user's first request
    }
  }

  private static boolean findsNames(GuardPolicy p) {
    return (p.pii() != PiiMode.OFF || p.outputPii() != PiiMode.OFF) && NamedEntities.needed(p.piiTypes());
  }

  /** A guard that checks nothing ({@code guard.enabled: false}); it loads no model. */
  public static Guard off() {
    return new Guard(GuardPolicy.defaults(), Map.of(), DecisionLog.none(), false);
  }

  /** The policy of {@code tenant}: its own, else the default. */
  public GuardPolicy policy(String tenant) {
    return tenants.getOrDefault(tenant, defaults);
  }

  /**
   * Checks the user messages of a request.
   *
   * @throws GuardBlocked when a policy says block
   */
  public Input checkInput(String requestId, String tenant, List<String> userTexts) {
    GuardPolicy p = policy(tenant);
    Pseudonyms pseudonyms = new Pseudonyms();
    if (!enabled) {
      return new Input(List.copyOf(userTexts), pseudonyms, List.of());
    }
    List<GuardDecision> flags = new ArrayList<>();
    List<String> out = new ArrayList<>(userTexts.size());
    InjectionDetector d = byVectors.get(p.vectors());
    for (String text : userTexts) {
      InjectionDetector.Detection found = d.scan(text);
      if (found.score() >= p.injectionThreshold()) {
        GuardDecision decision = new GuardDecision(tenant, "injection", p.injection().name().toLowerCase(Locale.ROOT),
            found.score(), found.reason(), p.version());
        log.record(requestId, decision);
        if (p.injection() == GuardPolicy.Action.BLOCK) {
          throw new GuardBlocked(decision, "The message was refused by the content policy: it reads as a prompt "
              + "injection or jailbreak (" + found.reason() + ", score " + String.format(Locale.ROOT, "%.2f", found.score()) + ").");
        }
        if (p.injection() == GuardPolicy.Action.FLAG) {
          flags.add(decision);
        }
      }
      out.add(treatPii(requestId, tenant, p, p.pii(), "pii", text, pseudonyms, flags));
    }
    return new Input(out, pseudonyms, flags);
  }

  /** Checks a whole answer. */
  public Output checkOutput(String requestId, String tenant, String answer, Pseudonyms pseudonyms) {
    GuardPolicy p = policy(tenant);
    if (!enabled) {
      return new Output(answer, false, List.of());
    }
    List<GuardDecision> decisions = new ArrayList<>();
    Optional<String> term = deniedTerm(tenant, answer, 0);
    if (term.isPresent()) {
      GuardDecision decision = new GuardDecision(tenant, "denied_term", "block", 1, term.get(), p.version());
      log.record(requestId, decision);
      decisions.add(decision);
      return new Output(WITHHELD, true, decisions);
    }
    String text = answer;
    if (p.outputPii() != PiiMode.OFF) {
      try {
        text = treatPii(requestId, tenant, p, p.outputPii(), "output_pii", text, new Pseudonyms(), decisions);
      } catch (GuardBlocked e) {
        decisions.add(e.decision());
        return new Output(WITHHELD, true, decisions);
      }
    }
    return new Output(pseudonyms.restore(text), false, decisions); // restored last: the user's own data is theirs
  }

  /**
   * Whether a retrieved passage may reach a model: false when the tenant's policy drops passages
   * that the rules read as an injection and this one does. A finding is logged either way.
   */
  public boolean admitsPassage(String requestId, String tenant, String chunkId, String text) {
    GuardPolicy p = policy(tenant);
    if (!enabled || p.retrieved() == GuardPolicy.Passages.OFF) {
      return true;
    }
    InjectionDetector.Detection found = passages.get(text, InjectionRules::scanPassage);
    if (found.score() < p.injectionThreshold()) {
      return true;
    }
    log.record(requestId, new GuardDecision(tenant, "retrieved_injection", p.retrieved().name().toLowerCase(Locale.ROOT),
        found.score(), chunkId + " " + found.reason(), p.version()));
    return p.retrieved() != GuardPolicy.Passages.DROP;
  }

  /**
   * Judges each sentence of an answer against the sources it cites, under the tenant's policy; each
   * unsupported sentence is logged (by position, not text).
   *
   * @param sources the text of each source the answer may cite, by number
   */
  public Grounded ground(String requestId, String tenant, String answer, Map<Integer, String> sources) {
    GuardPolicy p = policy(tenant);
    if (!enabled || p.groundedness() == GuardPolicy.Grounding.OFF) {
      return new Grounded(answer, List.of());
    }
    List<Groundedness.Verdict> verdicts = new Groundedness(p.groundednessThreshold()).judge(answer, sources);
    List<Groundedness.Verdict> unsupported = verdicts.stream().filter(v -> !v.supported()).toList();
    unsupported.forEach(v -> logUnsupported(requestId, tenant, p, v));
    if (p.groundedness() != GuardPolicy.Grounding.REMOVE || unsupported.isEmpty()) {
      return new Grounded(answer, unsupported);
    }
    return new Grounded(Groundedness.without(answer, unsupported, answer.length()).strip(), unsupported);
  }

  /**
   * A gate that lets a streamed answer through a sentence at a time, leaving out the sentences its
   * sources do not support; empty unless the tenant's policy removes them.
   */
  public Optional<SentenceGate> sentenceGate(String requestId, String tenant, Map<Integer, String> sources) {
    GuardPolicy p = policy(tenant);
    if (!enabled || p.groundedness() != GuardPolicy.Grounding.REMOVE || sources.isEmpty()) {
      return Optional.empty(); // with no sources the model abstains, and that is not a claim
    }
    return Optional.of(new SentenceGate(new Groundedness(p.groundednessThreshold()), sources,
        v -> logUnsupported(requestId, tenant, p, v)));
  }

  /** Whether answers for {@code tenant} are checked for groundedness at all. */
  public GuardPolicy.Grounding grounding(String tenant) {
    return enabled ? policy(tenant).groundedness() : GuardPolicy.Grounding.OFF;
  }

  private void logUnsupported(String requestId, String tenant, GuardPolicy p, Groundedness.Verdict v) {
    log.record(requestId, new GuardDecision(tenant, "groundedness", p.groundedness().name().toLowerCase(Locale.ROOT),
        v.support(), "sentence at " + v.start() + " cites " + v.cites(), p.version()));
  }

  /** A check for an answer that arrives in pieces. */
  public StreamCheck streamCheck(String requestId, String tenant, Pseudonyms pseudonyms) {
    return new StreamCheck(this, requestId, tenant, pseudonyms);
  }

  /** Whether requests' messages are checked at all: false for {@link #off()}. */
  public boolean checksInput() {
    return enabled;
  }

  /** Whether answers for {@code tenant} need checking at all, given the request's pseudonyms. */
  public boolean checksOutput(String tenant, Pseudonyms pseudonyms) {
    GuardPolicy p = policy(tenant);
    if (!enabled) {
      return false;
    }
    return !pseudonyms.isEmpty() || p.outputPii() != PiiMode.OFF || !p.deniedTerms().isEmpty();
  }

  /** Whether answers for {@code tenant} are held to the JSON their request's {@code response_format} asks for. */
  public boolean checksJson(String tenant) {
    return enabled && policy(tenant).json() != GuardPolicy.JsonMode.OFF;
  }

  /** A JSON check, under {@code tenant}'s policy, for an answer that arrives in pieces. */
  public JsonStreamCheck jsonStream(String requestId, String tenant, JsonOutputCheck check) {
    return new JsonStreamCheck(this, requestId, tenant, Objects.requireNonNull(check, "check"));
  }

  /**
   * Logs an answer that is not the JSON its request asked for and applies {@code tenant}'s policy.
   *
   * @return the decision, to name in {@code x-ragway-guard}, when the policy flags such answers
   * @throws InvalidJsonOutput when the policy blocks them
   */
  public GuardDecision rejectJson(String requestId, String tenant, JsonOutputCheck.Violation violation) {
    GuardPolicy p = policy(tenant);
    GuardDecision decision = new GuardDecision(tenant, "json_output", p.json().name().toLowerCase(Locale.ROOT), 1,
        violation.detail(), p.version());
    log.record(requestId, decision);
    if (p.json() == GuardPolicy.JsonMode.BLOCK) {
      throw new InvalidJsonOutput(decision, violation.message());
    }
    return decision;
  }

  private String treatPii(String requestId, String tenant, GuardPolicy p, PiiMode mode, String check, String text,
      Pseudonyms pseudonyms, List<GuardDecision> decisions) {
    if (mode == PiiMode.OFF) {
      return text;
    }
    List<PiiSpan> spans = PiiDetector.of(p.piiTypes()).find(text);
    if (spans.isEmpty()) {
      return text;
    }
    Map<PiiType, Integer> counts = new EnumMap<>(PiiType.class);
    spans.forEach(s -> counts.merge(s.type(), 1, Integer::sum));
    GuardDecision decision = new GuardDecision(tenant, check, mode.name().toLowerCase(Locale.ROOT), 1, counts.toString(),
        p.version());
    log.record(requestId, decision);
    if (mode == PiiMode.BLOCK) {
      throw new GuardBlocked(decision, "The message was refused by the content policy: it contains personal data ("
          + String.join(", ", counts.keySet().stream().map(Enum::name).toList()) + ").");
    }
    decisions.add(decision);
    return PiiRedactor.apply(text, spans, mode, pseudonyms);
  }

  /**
   * The first denied term of {@code tenant}'s policy in {@code text} at or after {@code from}; the
   * text before {@code from} still decides whether the term starts a word.
   */
  Optional<String> deniedTerm(String tenant, CharSequence text, int from) {
    GuardPolicy p = policy(tenant);
    Denied d = denied.get(p);
    if (d.pattern() == null) {
      return Optional.empty();
    }
    Matcher m = d.pattern().matcher(text).region(from, text.length()).useTransparentBounds(true);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(p.deniedTerms().stream().filter(t -> t.equalsIgnoreCase(m.group())).findFirst().orElse(m.group()));
  }

  /** The length of {@code tenant}'s longest denied term, 0 when it has none. */
  int longestDeniedTerm(String tenant) {
    return denied.get(policy(tenant)).longest();
  }

  private static Denied compile(GuardPolicy p) {
    if (p.deniedTerms().isEmpty()) {
      return new Denied(null, 0);
    }
    String terms = String.join("|", p.deniedTerms().stream().map(Pattern::quote).toList());
    return new Denied(Pattern.compile("(?<![\\p{L}\\p{N}])(?:" + terms + ")(?![\\p{L}\\p{N}])",
        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE), p.deniedTerms().stream().mapToInt(String::length).max().orElse(0));
  }

}

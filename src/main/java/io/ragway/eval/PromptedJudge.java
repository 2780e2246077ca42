package io.ragway.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.Vectors;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ragas' four RAG metrics judged by an upstream model through the router (so with its retries and
 * fallbacks), each from prompts that ask for JSON:
 *
 * <ol>
 *   <li>faithfulness: the answer cut into standalone statements, then a verdict (1/0) for each on
 *       whether the contexts support it; the share supported;
 *   <li>answer relevancy: three questions the answer would answer, and whether it is
 *       noncommittal; the mean cosine similarity of those questions to the asked one (embedder),
 *       0 when noncommittal;
 *   <li>context precision: a verdict per context on whether it helps reach the reference; the
 *       rank-weighted average precision of the useful ones;
 *   <li>context recall: each statement of the reference attributed (1/0) to the contexts or not;
 *       the share attributed.
 * </ol>
 *
 * A judge answer that is not the JSON asked for, and an upstream that keeps failing, leave that
 * metric out for the question and are listed as failures; the run goes on.
 */
final class PromptedJudge implements Judge {

  private static final ObjectMapper JSON = JsonMappers.create();

  static final String STATEMENTS = """
      Break the answer to the question into standalone statements: short sentences that each make \
      one claim and are understandable without the others (replace pronouns with what they refer to). \
      Reply with JSON only, in this form: {"statements": ["...", "..."]}""";
  static final String VERDICTS = """
      Judge each numbered statement against the context. Its verdict is 1 if the statement can be \
      inferred directly from the context, 0 if not. Reply with JSON only, one entry per statement in \
      the same order: {"verdicts": [{"statement": "...", "reason": "...", "verdict": 1}]}""";
  static final String QUESTIONS = """
      Write three questions that the given answer answers, and say whether the answer is noncommittal \
      (evasive, vague, or saying it does not know): 1 if it is, 0 if not. Reply with JSON only: \
      {"questions": ["...", "...", "..."], "noncommittal": 0}""";
  static final String USEFUL = """
      For each numbered context, say whether it was useful in arriving at the reference answer to the \
      question: verdict 1 if useful, 0 if not. Reply with JSON only, one entry per context in order: \
      {"verdicts": [{"context": 1, "reason": "...", "verdict": 1}]}""";
  static final String ATTRIBUTED = """
      Split the reference answer into its statements and classify each: attributed 1 if it can be \
      attributed to the context, 0 if not. Reply with JSON only: \
      {"classifications": [{"statement": "...", "reason": "...", "attributed": 1}]}""";

  private final Router router;
  private final String model;
  private final CachingEmbedder embedder;

  PromptedJudge(Router router, String model, EmbeddingModel embedder) {
    if (!router.serves(model)) {
      throw new IllegalArgumentException("judge model '" + model + "' is not one of the configured models " + router.models());
    }
    this.router = router;
    this.model = model;
    this.embedder = new CachingEmbedder(embedder, 10_000);
  }

  @Override
  public String name() {
    return "llm:" + model;
  }

  /** The judge's answer was not the JSON asked for. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message);
    }
  }

  private interface Step {
    double score() throws Malformed;
  }

  @Override
  public Verdicts judge(Sample s) {
    Map<String, Double> scores = new HashMap<>();
    List<Failure> failures = new ArrayList<>();
    String contexts = numbered(s.contexts());
    if (!s.abstained() && !s.answer().isBlank() && !s.contexts().isEmpty()) {
      run(FAITHFULNESS, () -> faithfulness(s, contexts), scores, failures);
    }
    if (s.abstained() || s.answer().isBlank()) {
      scores.put(ANSWER_RELEVANCY, 0.0);
    } else {
      run(ANSWER_RELEVANCY, () -> relevancy(s), scores, failures);
    }
    if (s.contexts().isEmpty()) {
      scores.put(CONTEXT_PRECISION, 0.0);
      scores.put(CONTEXT_RECALL, 0.0);
    } else {
      run(CONTEXT_PRECISION, () -> precision(s, contexts), scores, failures);
      run(CONTEXT_RECALL, () -> recall(s, contexts), scores, failures);
    }
    return new Verdicts(scores, failures);
  }

  private static void run(String metric, Step step, Map<String, Double> scores, List<Failure> failures) {
    try {
      double v = step.score();
      if (!Double.isNaN(v)) {
        scores.put(metric, v);
      }
    } catch (Malformed e) {
      failures.add(new Failure(metric, "parse", e.getMessage()));
    } catch (UpstreamException e) {
      failures.add(new Failure(metric, "upstream", e.getMessage()));
    }
  }

  private double faithfulness(Sample s, String contexts) throws Malformed {
    JsonNode st = ask(STATEMENTS, "Question: " + s.question() + "\nAnswer: " + s.answer()).get("statements");
    List<String> statements = strings(st, "statements");
    if (statements.isEmpty()) {
      return Double.NaN; // nothing claimed, nothing to judge
    }
    StringBuilder list = new StringBuilder();
    for (int i = 0; i < statements.size(); i++) {
      list.append(i + 1).append(". ").append(statements.get(i)).append('\n');
    }
    JsonNode verdicts = ask(VERDICTS, "Context:\n" + contexts + "\nStatements:\n" + list).get("verdicts");
    return share(flags(verdicts, "verdicts", "verdict", statements.size()));
  }

  private double relevancy(Sample s) throws Malformed {
    JsonNode r = ask(QUESTIONS, "Answer: " + s.answer());
    List<String> questions = strings(r.get("questions"), "questions");
    int noncommittal = flag(r.get("noncommittal"), "noncommittal");
    if (questions.isEmpty()) {
      throw new Malformed("\"questions\" is empty");
    }
    if (noncommittal == 1) {
      return 0;
    }
    float[] q = embedder.query(s.question());
    double sum = 0;
    for (String g : questions) {
      sum += Vectors.dot(q, embedder.query(g));
    }
    return Math.max(0, sum / questions.size());
  }

  private double precision(Sample s, String contexts) throws Malformed {
    JsonNode verdicts = ask(USEFUL, "Question: " + s.question() + "\nReference answer: " + s.reference()
        + "\nContexts:\n" + contexts).get("verdicts");
    List<Integer> v = flags(verdicts, "verdicts", "verdict", s.contexts().size());
    return EmbeddingOverlapJudge.averagePrecision(v.stream().map(x -> x == 1).toList());
  }

  private double recall(Sample s, String contexts) throws Malformed {
    JsonNode c = ask(ATTRIBUTED, "Question: " + s.question() + "\nContext:\n" + contexts + "\nReference answer: "
        + s.reference()).get("classifications");
    if (c == null || !c.isArray() || c.isEmpty()) {
      throw new Malformed("expected a non-empty list \"classifications\"");
    }
    return share(flags(c, "classifications", "attributed", c.size()));
  }

  /** One judge call; its answer's JSON object (fences and text around it tolerated). */
  private JsonNode ask(String instructions, String input) throws Malformed {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("temperature", 0);
    var messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", instructions);
    messages.addObject().put("role", "user").put("content", input);
    JsonNode response = router.complete(model, body).response();
    String content = response.path("choices").path(0).path("message").path("content").asText("");
    return object(content);
  }

  static JsonNode object(String content) throws Malformed {
    int from = content.indexOf('{');
    int to = content.lastIndexOf('}');
    if (from < 0 || to < from) {
      throw new Malformed("no JSON object in the judge's answer: " + abbreviate(content));
    }
    try {
      JsonNode n = JSON.readTree(content.substring(from, to + 1));
      if (!n.isObject()) {
        throw new Malformed("not a JSON object: " + abbreviate(content));
      }
      return n;
    } catch (IOException e) {
      throw new Malformed("invalid JSON in the judge's answer: " + abbreviate(content));
    }
  }

  private static List<String> strings(JsonNode list, String field) throws Malformed {
    if (list == null || !list.isArray()) {
      throw new Malformed("expected a list \"" + field + "\"");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode n : list) {
      if (!n.isTextual()) {
        throw new Malformed("\"" + field + "\" must hold strings");
      }
      if (!n.asText().isBlank()) {
        out.add(n.asText().strip());
      }
    }
    return out;
  }

  /** The 0/1 {@code key} of each entry of {@code list}, which must have {@code size} entries. */
  private static List<Integer> flags(JsonNode list, String field, String key, int size) throws Malformed {
    if (list == null || !list.isArray() || list.size() != size) {
      throw new Malformed("expected \"" + field + "\" with " + size + " entries, got "
          + (list == null || !list.isArray() ? "none" : list.size()));
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode n : list) {
      out.add(flag(n.isObject() ? n.get(key) : n, key));
    }
    return out;
  }

  private static int flag(JsonNode v, String key) throws Malformed {
    if (v != null && (v.isInt() || v.isLong()) && (v.asInt() == 0 || v.asInt() == 1)) {
      return v.asInt();
    }
    if (v != null && v.isBoolean()) {
      return v.asBoolean() ? 1 : 0;
    }
    if (v != null && v.isTextual() && (v.asText().strip().equals("0") || v.asText().strip().equals("1"))) {
      return Integer.parseInt(v.asText().strip());
    }
    throw new Malformed("\"" + key + "\" must be 0 or 1, got " + (v == null ? "nothing" : v.toString()));
  }

  private static double share(List<Integer> flags) {
    return flags.isEmpty() ? Double.NaN : flags.stream().mapToInt(Integer::intValue).sum() / (double) flags.size();
  }

  private static String numbered(List<String> contexts) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < contexts.size(); i++) {
      b.append('[').append(i + 1).append("] ").append(contexts.get(i).replace('\n', ' ')).append('\n');
    }
    return b.toString();
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() <= 80 ? "\"" + one + "\"" : "\"" + one.substring(0, 77) + "...\"";
  }
}

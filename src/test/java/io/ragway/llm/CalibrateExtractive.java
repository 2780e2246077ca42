package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.EmbeddingModels;
import io.ragway.embed.Vectors;
import io.ragway.index.Chunk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Calibrates the extractive answerer's abstain threshold on the CMU Wikipedia QA set (not a test):
 * each sampled question is paired with the three best paragraphs of its own article (it should be
 * answered) and of another random article (it should abstain). The threshold maximising balanced
 * accuracy on one half is reported with its figures on the other half.
 *
 * <pre>mvn -q test-compile && java -cp "target/classes:target/test-classes:target/lib/*" \
 *     io.ragway.llm.CalibrateExtractive ../shared/data/cmu-wikipedia-qa [questions] [seed]</pre>
 */
public final class CalibrateExtractive {

  private CalibrateExtractive() {}

  record Case(String question, String gold, boolean answerable, double evidence, String answer) {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : "../shared/data/cmu-wikipedia-qa");
    int wanted = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 7;
    Random random = new Random(seed);
    ObjectMapper json = new ObjectMapper();

    Map<String, String[]> byQuestion = new LinkedHashMap<>(); // question -> {article_file, answer}
    for (String line : Files.readAllLines(root.resolve("qa.jsonl"))) {
      JsonNode n = json.readTree(line);
      byQuestion.putIfAbsent(n.get("question").asText(), new String[] {n.get("article_file").asText(), n.get("answer").asText()});
    }
    List<String> questions = new ArrayList<>(byQuestion.keySet());
    Collections.shuffle(questions, random);
    questions = questions.subList(0, Math.min(wanted, questions.size()));
    List<String> articles = byQuestion.values().stream().map(v -> v[0]).distinct().sorted().toList();

    try (EmbeddingModel embedder = EmbeddingModels.bgeSmallEnV15()) {
      ExtractiveAnswerer answerer = new ExtractiveAnswerer(embedder, ExtractiveConfig.defaults().withAbstainThreshold(-10));
      Map<String, List<String>> paragraphs = new HashMap<>();
      Map<String, List<float[]>> vectors = new HashMap<>();
      List<Case> cases = new ArrayList<>();
      int done = 0;
      for (String q : questions) {
        String own = byQuestion.get(q)[0];
        String other;
        do {
          other = articles.get(random.nextInt(articles.size()));
        } while (other.equals(own));
        for (String[] pair : new String[][] {{own, "true"}, {other, "false"}}) {
          List<Source> sources = top3(root, pair[0], q, embedder, paragraphs, vectors);
          ChatRequest req = new ChatRequest(List.of(ChatMessage.user(q)), sources, 0, 0);
          List<ExtractiveAnswerer.Candidate> scored = answerer.score(q, sources);
          double evidence = scored.isEmpty() ? -1 : scored.get(0).score();
          cases.add(new Case(q, byQuestion.get(q)[1], Boolean.parseBoolean(pair[1]), evidence, answerer.chat(req).content()));
        }
        if (++done % 25 == 0) {
          System.err.printf("%d/%d questions%n", done, questions.size());
        }
      }
      Collections.shuffle(cases, random);
      List<Case> fit = cases.subList(0, cases.size() / 2);
      List<Case> held = cases.subList(cases.size() / 2, cases.size());
      double best = 0;
      double bestAcc = -1;
      for (double t = 0.2; t <= 1.0; t += 0.005) {
        double acc = balancedAccuracy(fit, t);
        if (acc > bestAcc) {
          bestAcc = acc;
          best = t;
        }
      }
      double f1 = 0;
      int answerable = 0;
      for (Case c : held) {
        if (c.answerable()) {
          answerable++;
          f1 += c.evidence() >= best ? tokenF1(c.answer(), c.gold()) : 0;
        }
      }
      System.out.printf(Locale.ROOT, "questions %d, cases %d (fit %d, held-out %d)%n", questions.size(), cases.size(), fit.size(), held.size());
      System.out.printf(Locale.ROOT, "threshold %.3f (fit balanced accuracy %.3f)%n", best, bestAcc);
      System.out.printf(Locale.ROOT, "held-out balanced accuracy %.3f; abstains on answerable %.3f; answers unanswerable %.3f%n",
          balancedAccuracy(held, best), rate(held, true, best, false), rate(held, false, best, true));
      System.out.printf(Locale.ROOT, "held-out token F1 of answers vs gold (answerable, abstain = 0): %.3f over %d%n", f1 / answerable, answerable);
    }
  }

  private static List<Source> top3(Path root, String article, String question, EmbeddingModel embedder,
      Map<String, List<String>> paragraphs, Map<String, List<float[]>> vectors) throws Exception {
    if (!paragraphs.containsKey(article)) {
      List<String> ps = new ArrayList<>();
      for (String p : Files.readString(root.resolve(article)).split("\\n\\s*\\n")) {
        String s = p.strip();
        if (s.split("\\s+").length >= 8) {
          ps.add(s.length() > 1500 ? s.substring(0, 1500) : s);
        }
      }
      paragraphs.put(article, ps);
      vectors.put(article, embedder.embedDocuments(ps));
    }
    float[] q = embedder.embedQuery(question);
    List<String> ps = paragraphs.get(article);
    List<float[]> vs = vectors.get(article);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < ps.size(); i++) {
      order.add(i);
    }
    order.sort((a, b) -> Double.compare(Vectors.dot(q, vs.get(b)), Vectors.dot(q, vs.get(a))));
    List<Source> out = new ArrayList<>();
    for (int r = 0; r < Math.min(3, order.size()); r++) {
      String text = ps.get(order.get(r));
      out.add(new Source(r + 1, new Chunk(article + "#" + order.get(r), article, "", List.of(), text, 0, text.length(),
          order.get(r), "", "default", List.of(), List.of()), Vectors.dot(q, vs.get(order.get(r)))));
    }
    return out;
  }

  private static double balancedAccuracy(List<Case> cases, double t) {
    return (1 - rate(cases, true, t, false) + 1 - rate(cases, false, t, true)) / 2;
  }

  /** Share of cases of one kind that answer (answers = true) or abstain (answers = false) at threshold t. */
  private static double rate(List<Case> cases, boolean answerable, double t, boolean answers) {
    long n = cases.stream().filter(c -> c.answerable() == answerable).count();
    long k = cases.stream().filter(c -> c.answerable() == answerable && (c.evidence() >= t) == answers).count();
    return n == 0 ? 0 : (double) k / n;
  }

  static double tokenF1(String answer, String gold) {
    List<String> a = words(answer);
    List<String> g = words(gold);
    if (a.isEmpty() || g.isEmpty()) {
      return 0;
    }
    Map<String, Integer> counts = new HashMap<>();
    g.forEach(w -> counts.merge(w, 1, Integer::sum));
    int common = 0;
    for (String w : a) {
      Integer c = counts.get(w);
      if (c != null && c > 0) {
        common++;
        counts.put(w, c - 1);
      }
    }
    if (common == 0) {
      return 0;
    }
    double p = (double) common / a.size();
    double r = (double) common / g.size();
    return 2 * p * r / (p + r);
  }

  private static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    for (String w : s.toLowerCase(Locale.ROOT).replaceAll("\\[\\d+]", " ").split("[^\\p{L}\\p{N}]+")) {
      if (!w.isEmpty() && !List.of("a", "an", "the").contains(w)) {
        out.add(w);
      }
    }
    return out;
  }
}

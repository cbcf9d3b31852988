#!/usr/bin/env python3
"""Side-by-side for docs/PERFORMANCE.md (C4): the standard Python pipeline on the same texts
`peerstage bench themes --out DIR` grouped, in the same run.

Reads DIR/texts.jsonl (one JSON string a line), DIR/ours.txt (our theme per text, -1 for
none) and DIR/topics.txt (the generator's topic per text). Times scikit-learn's
TfidfVectorizer + MiniBatchKMeans with the same number of groups, then compares both
groupings in the *same* space (scikit-learn's TF-IDF matrix, so the measure favours neither
side's features): mean silhouette with cosine distance on a fixed sample of 10,000 texts, and
agreement with the generator's topics (adjusted Rand index, normalised mutual information).
Texts either side left without a group (no usable words) are left out of both scores.
Prints JSON.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score


def main(directory, ours_seconds):
    with open(f"{directory}/texts.jsonl", encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    ours = np.array([int(x) for x in open(f"{directory}/ours.txt")])
    topics = np.array([int(x) for x in open(f"{directory}/topics.txt")])
    k = int(ours.max()) + 1

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), min_df=2, max_df=0.5)
    x = vectorizer.fit_transform(texts)
    kmeans = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=4096)
    theirs = kmeans.fit_predict(x)
    python_seconds = time.perf_counter() - started

    usable = (ours >= 0) & (np.asarray(x.getnnz(axis=1)) > 0)
    rows = np.flatnonzero(usable)
    rng = np.random.RandomState(0)
    sample = rng.choice(rows, size=min(10000, len(rows)), replace=False)

    def scores(labels):
        return {
            "silhouette_cosine": float(silhouette_score(x[sample], labels[sample], metric="cosine")),
            "adjusted_rand_vs_topics": float(adjusted_rand_score(topics[rows], labels[rows])),
            "nmi_vs_topics": float(normalized_mutual_info_score(topics[rows], labels[rows])),
        }

    out = {
        "texts": len(texts),
        "k": k,
        "scored_texts": int(len(rows)),
        "silhouette_sample": int(len(sample)),
        "python": {"seconds": python_seconds, "vocabulary": len(vectorizer.vocabulary_), **scores(theirs)},
        "peerstage": {"seconds": ours_seconds, **scores(ours)},
        "time_ratio_python_over_peerstage": python_seconds / ours_seconds if ours_seconds > 0 else None,
        "sklearn": __import__("sklearn").__version__,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))

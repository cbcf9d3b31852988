//! Automatic themes (C4): evidence grouped by what customers talk about, labelled with their
//! own phrases, with representative quotes, and matched to the themes of the previous run so
//! names people gave survive a re-run.
//!
//! ## Method
//! 1. **Features.** Each text becomes its content words and the pairs of content words that
//!    follow each other in a clause with at most two stop words between them
//!    ([`crate::text::feature_keys`], light stems). Features found in fewer than
//!    `max(2, n/2000)` texts or in more than half of them are dropped.
//! 2. **Vectors.** Binary term frequency × smooth IDF (`ln((1+n)/(1+df)) + 1`), L2-normalised,
//!    so the dot product of two texts is their cosine similarity.
//! 3. **How many themes.** Unless given, *k* is chosen among 6…24 by the mean silhouette
//!    (cosine distance) of spherical k-means on a sample of at most 1,500 texts.
//! 4. **Clustering.** Spherical k-means over all texts (k-means++ seeding from a fixed seed,
//!    at most 30 rounds, stopping when fewer than 0.1 % of texts move), assignment spread
//!    over the available threads; the best of three seeds by total similarity is kept.
//!    Texts with no feature stay unthemed.
//! 5. **Labels** are the customers' own phrases: per theme, each phrase scores
//!    `coverage × ln(1 + lift)` (coverage = share of the theme's texts that contain it, lift =
//!    coverage ÷ share of all texts that contain it; two-word phrases × 1.5; phrases with a
//!    lift under 1.5, such as a product name every theme uses, are left out). The label is the
//!    best two-word phrase used by at least 10 % of the theme (else the best phrase), then
//!    " / " and the best one sharing no word with it when at least 15 % of the theme uses it,
//!    each written the way customers wrote it most often.
//! 6. **Quotes** are the three texts closest to the theme's centre, preferring 30–280 characters.
//! 7. **Stable identities** ([`match_known`]): each new theme is compared with the themes
//!    already stored by `max(cosine of their top-term signatures, Jaccard of their members)`;
//!    pairs are taken greedily from the most similar down, one-to-one, when at least 0.3.
//!    A matched theme keeps its id, and its name when a person gave it one.

use crate::rng::Rng;
use crate::text;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Options {
    /// Number of themes; `None` chooses it by silhouette on a sample.
    pub k: Option<usize>,
    pub seed: u64,
    pub threads: usize,
    pub max_rounds: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            k: None,
            seed: 20_240_601,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            max_rounds: 30,
        }
    }
}

/// One theme found by [`cluster`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// Indexes into the texts, with their cosine similarity to the theme's centre, most
    /// similar first.
    pub members: Vec<(usize, f32)>,
    pub label: String,
    /// The theme's most distinctive customer phrases, best first (display forms).
    pub phrases: Vec<String>,
    /// Indexes of representative texts.
    pub quotes: Vec<usize>,
    /// The top terms of the theme's centre, for matching on the next run.
    pub signature: Vec<(String, f32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clustering {
    pub clusters: Vec<Cluster>,
    /// The theme of each text (index into `clusters`), `None` when it has no usable words.
    pub assignment: Vec<Option<usize>>,
    /// Mean silhouette of the chosen k on the sample (cosine distance), when k was chosen.
    pub sample_silhouette: Option<f64>,
    pub vocabulary: usize,
}

type Sparse = Vec<(u32, f32)>;

struct Features {
    vectors: Vec<Sparse>,
    /// Term keys by id.
    terms: Vec<String>,
    words: Vec<usize>,
    df: Vec<u32>,
}

fn features(texts: &[&str], threads: usize) -> Features {
    let n = texts.len();
    // Phrase keys of every text, extracted in parallel.
    let chunk = n.div_ceil(threads.max(1)).max(1);
    let per_text: Vec<Vec<(String, usize)>> = std::thread::scope(|s| {
        let handles: Vec<_> = texts
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|t| {
                            text::feature_keys(t)
                                .into_iter()
                                .map(|(k, w, _)| (k, w))
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut terms: Vec<String> = Vec::new();
    let mut words = Vec::new();
    let mut df: Vec<u32> = Vec::new();
    for ps in &per_text {
        for (k, w) in ps {
            let id = *ids.entry(k.as_str()).or_insert_with(|| {
                terms.push(k.clone());
                words.push(*w);
                df.push(0);
                (terms.len() - 1) as u32
            });
            df[id as usize] += 1;
        }
    }
    let min_df = ((n / 2000) as u32).max(2);
    let max_df = ((n as f64) * 0.5).max(2.0) as u32;
    // Keep the useful terms, renumbered.
    let mut remap = vec![u32::MAX; terms.len()];
    let mut kept_terms = Vec::new();
    let mut kept_words = Vec::new();
    let mut kept_df = Vec::new();
    for (i, d) in df.iter().enumerate() {
        if *d >= min_df && *d <= max_df {
            remap[i] = kept_terms.len() as u32;
            kept_terms.push(terms[i].clone());
            kept_words.push(words[i]);
            kept_df.push(*d);
        }
    }
    let idf: Vec<f32> = kept_df
        .iter()
        .map(|d| (((1 + n) as f32) / ((1 + *d) as f32)).ln() + 1.0)
        .collect();
    let vectors = per_text
        .iter()
        .map(|ps| {
            let mut v: Sparse = ps
                .iter()
                .filter_map(|(k, _)| {
                    let id = remap[ids[k.as_str()] as usize];
                    (id != u32::MAX).then(|| (id, idf[id as usize]))
                })
                .collect();
            v.sort_unstable_by_key(|x| x.0);
            v.dedup_by_key(|x| x.0);
            let norm = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt();
            if norm > 0.0 {
                for x in &mut v {
                    x.1 /= norm;
                }
            }
            v
        })
        .collect();
    Features {
        vectors,
        terms: kept_terms,
        words: kept_words,
        df: kept_df,
    }
}

fn dot_dense(v: &Sparse, c: &[f32]) -> f32 {
    v.iter().map(|(i, w)| w * c[*i as usize]).sum()
}

fn dot_sparse(a: &Sparse, b: &Sparse) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// Spherical k-means over `rows` (indexes into `vectors`, all non-empty); returns the
/// cluster of each row and the centres (k × dim, unit length).
fn kmeans(
    vectors: &[Sparse],
    rows: &[usize],
    dim: usize,
    k: usize,
    opts: &Options,
) -> (Vec<usize>, Vec<Vec<f32>>) {
    let n = rows.len();
    let k = k.min(n).max(1);
    let mut rng = Rng::new(opts.seed ^ (k as u64) ^ ((n as u64) << 20));
    // k-means++ seeding on cosine distance.
    let mut centres: Vec<Vec<f32>> = Vec::with_capacity(k);
    let mut best_sim = vec![f32::MIN; n];
    let first = rows[rng.below(n as u64) as usize];
    let dense = |r: usize| {
        let mut c = vec![0f32; dim];
        for (i, w) in &vectors[r] {
            c[*i as usize] = *w;
        }
        c
    };
    centres.push(dense(first));
    while centres.len() < k {
        let c = centres.last().unwrap();
        let mut total = 0f64;
        for (j, &r) in rows.iter().enumerate() {
            let s = dot_dense(&vectors[r], c);
            if s > best_sim[j] {
                best_sim[j] = s;
            }
            let d = (1.0 - best_sim[j]).max(0.0) as f64;
            total += d * d;
        }
        if total <= 0.0 {
            break;
        }
        let mut x = rng.unit() * total;
        let mut pick = rows[n - 1];
        for (j, &r) in rows.iter().enumerate() {
            let d = (1.0 - best_sim[j]).max(0.0) as f64;
            x -= d * d;
            if x <= 0.0 {
                pick = r;
                break;
            }
        }
        centres.push(dense(pick));
    }
    let k = centres.len();
    let mut assign = vec![usize::MAX; n];
    let threads = opts.threads.max(1);
    for _round in 0..opts.max_rounds {
        let chunk = n.div_ceil(threads).max(1);
        let new: Vec<(usize, f32)> = std::thread::scope(|s| {
            let centres = &centres;
            let handles: Vec<_> = rows
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .map(|&r| {
                                let v = &vectors[r];
                                let mut best = (0usize, f32::MIN);
                                for (ci, c) in centres.iter().enumerate() {
                                    let s = dot_dense(v, c);
                                    if s > best.1 {
                                        best = (ci, s);
                                    }
                                }
                                best
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut moved = 0usize;
        for (j, (c, _)) in new.iter().enumerate() {
            if assign[j] != *c {
                moved += 1;
                assign[j] = *c;
            }
        }
        // New centres: normalised sums; an empty theme takes the text farthest from its own.
        let mut sums = vec![vec![0f32; dim]; k];
        let mut sizes = vec![0usize; k];
        for (j, &r) in rows.iter().enumerate() {
            sizes[assign[j]] += 1;
            for (i, w) in &vectors[r] {
                sums[assign[j]][*i as usize] += *w;
            }
        }
        for ci in 0..k {
            if sizes[ci] == 0 {
                let far = new
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
                    .map(|(j, _)| j)
                    .unwrap_or(0);
                sums[ci] = dense(rows[far]);
                moved += 1;
            }
            let norm = sums[ci].iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                for x in &mut sums[ci] {
                    *x /= norm;
                }
            }
        }
        centres = sums;
        if (moved as f64) < (n as f64) * 0.001 {
            break;
        }
    }
    (assign, centres)
}

/// Mean silhouette (cosine distance) of `labels` over texts whose pairwise similarities are
/// `sim` (row-major m × m).
fn silhouette(sim: &[f32], labels: &[usize], k: usize) -> f64 {
    let m = labels.len();
    let mut sizes = vec![0usize; k];
    for l in labels {
        sizes[*l] += 1;
    }
    let mut total = 0.0;
    let mut sums = vec![0f64; k];
    for i in 0..m {
        sums.iter_mut().for_each(|x| *x = 0.0);
        for j in 0..m {
            if i != j {
                sums[labels[j]] += 1.0 - sim[i * m + j] as f64;
            }
        }
        let own = labels[i];
        if sizes[own] <= 1 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|c| *c != own && sizes[*c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::MAX, f64::min);
        if b == f64::MAX {
            continue;
        }
        let d = a.max(b);
        if d > 0.0 {
            total += (b - a) / d;
        }
    }
    total / m as f64
}

/// Groups `texts` into themes (see the module documentation). `progress` hears each stage.
pub fn cluster(texts: &[&str], opts: &Options, progress: &mut dyn FnMut(&str)) -> Clustering {
    let n = texts.len();
    progress(&format!("reading {n} texts"));
    let f = features(texts, opts.threads);
    let dim = f.terms.len();
    let rows: Vec<usize> = (0..n).filter(|i| !f.vectors[*i].is_empty()).collect();
    let mut assignment = vec![None; n];
    if rows.is_empty() || dim == 0 {
        return Clustering {
            clusters: Vec::new(),
            assignment,
            sample_silhouette: None,
            vocabulary: dim,
        };
    }
    let (k, sample_silhouette) = match opts.k {
        Some(k) => (k.max(1), None),
        None => {
            progress(&format!(
                "choosing the number of themes on a sample ({dim} phrases)"
            ));
            choose_k(&f.vectors, &rows, dim, opts)
        }
    };
    progress(&format!("grouping {} texts into {k} themes", rows.len()));
    let (assign, centres) = best_of(&f.vectors, &rows, dim, k, opts, RESTARTS);
    progress("labelling themes");
    let k = centres.len();
    let mut members: Vec<Vec<(usize, f32)>> = vec![Vec::new(); k];
    for (j, &r) in rows.iter().enumerate() {
        let c = assign[j];
        members[c].push((r, dot_dense(&f.vectors[r], &centres[c])));
    }
    let mut clusters = Vec::new();
    let mut order: Vec<usize> = (0..k).filter(|c| !members[*c].is_empty()).collect();
    order.sort_by(|a, b| members[*b].len().cmp(&members[*a].len()).then(a.cmp(b)));
    for c in order {
        let mut m = std::mem::take(&mut members[c]);
        m.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let idx = clusters.len();
        for (r, _) in &m {
            assignment[*r] = Some(idx);
        }
        clusters.push(describe(texts, &f, &m, &centres[c]));
    }
    Clustering {
        clusters,
        assignment,
        sample_silhouette,
        vocabulary: dim,
    }
}

/// k-means runs from different seeds; the tightest grouping wins.
const RESTARTS: u64 = 3;

/// The best of `runs` k-means runs by total similarity of texts to their centres.
fn best_of(
    vectors: &[Sparse],
    rows: &[usize],
    dim: usize,
    k: usize,
    opts: &Options,
    runs: u64,
) -> (Vec<usize>, Vec<Vec<f32>>) {
    let mut best: Option<(f64, Vec<usize>, Vec<Vec<f32>>)> = None;
    for run in 0..runs.max(1) {
        let o = Options {
            seed: opts.seed.wrapping_add(run.wrapping_mul(0x9E37_79B9)),
            ..opts.clone()
        };
        let (assign, centres) = kmeans(vectors, rows, dim, k, &o);
        let total: f64 = rows
            .iter()
            .zip(&assign)
            .map(|(r, c)| dot_dense(&vectors[*r], &centres[*c]) as f64)
            .sum();
        if best.as_ref().is_none_or(|b| total > b.0 + 1e-9) {
            best = Some((total, assign, centres));
        }
    }
    let (_, a, c) = best.expect("at least one run");
    (a, c)
}

fn choose_k(
    vectors: &[Sparse],
    rows: &[usize],
    dim: usize,
    opts: &Options,
) -> (usize, Option<f64>) {
    let mut rng = Rng::new(opts.seed ^ 0x5a5a);
    let m = rows.len().min(1500);
    let mut sample: Vec<usize> = rows.to_vec();
    // Partial Fisher–Yates: the first m are a uniform sample.
    for i in 0..m {
        let j = i + rng.below((sample.len() - i) as u64) as usize;
        sample.swap(i, j);
    }
    sample.truncate(m);
    sample.sort_unstable();
    let mut sim = vec![0f32; m * m];
    for i in 0..m {
        for j in i..m {
            let s = dot_sparse(&vectors[sample[i]], &vectors[sample[j]]);
            sim[i * m + j] = s;
            sim[j * m + i] = s;
        }
    }
    let mut best = (2usize.min(m), f64::MIN);
    let hi = 24.min(m / 5).max(2);
    let lo = 6.min(hi);
    let sample_opts = Options {
        threads: 1,
        ..opts.clone()
    };
    for k in (lo..=hi).step_by(2) {
        let (labels, _) = best_of(vectors, &sample, dim, k, &sample_opts, 2);
        let s = silhouette(&sim, &labels, k);
        if s > best.1 + 1e-9 {
            best = (k, s);
        }
    }
    (best.0, Some(best.1))
}

fn describe(texts: &[&str], f: &Features, members: &[(usize, f32)], centre: &[f32]) -> Cluster {
    let n_all = f.vectors.iter().filter(|v| !v.is_empty()).count().max(1) as f64;
    let size = members.len() as f64;
    let mut df_c: HashMap<u32, u32> = HashMap::new();
    for (r, _) in members {
        for (i, _) in &f.vectors[*r] {
            *df_c.entry(*i).or_insert(0) += 1;
        }
    }
    let mut scored: Vec<(u32, f64)> = df_c
        .iter()
        .filter_map(|(t, c)| {
            let coverage = *c as f64 / size;
            let lift = coverage / (f.df[*t as usize] as f64 / n_all);
            let bonus = if f.words[*t as usize] >= 2 { 1.5 } else { 1.0 };
            // Words every theme uses (a product name) do not tell themes apart.
            (lift >= 1.5 || size >= n_all * 0.5)
                .then_some((*t, coverage * (1.0 + lift).ln() * bonus))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    // Lead with the best phrase of two words when a tenth of the theme uses it.
    if let Some(pos) = scored
        .iter()
        .position(|(t, _)| f.words[*t as usize] >= 2 && df_c[t] as f64 / size >= 0.1)
    {
        let lead = scored.remove(pos);
        scored.insert(0, lead);
    }
    let mut chosen: Vec<u32> = Vec::new();
    let mut used_words: Vec<&str> = Vec::new();
    for (t, _) in &scored {
        if chosen.len() >= 5 {
            break;
        }
        let key = f.terms[*t as usize].as_str();
        let words: Vec<&str> = key.split(' ').collect();
        if words.iter().any(|w| used_words.contains(w)) {
            continue;
        }
        chosen.push(*t);
        used_words.extend(words);
    }
    // Display forms: how customers wrote each chosen phrase most often.
    let keys: Vec<&str> = chosen
        .iter()
        .map(|t| f.terms[*t as usize].as_str())
        .collect();
    let mut forms: Vec<HashMap<String, u32>> = vec![HashMap::new(); keys.len()];
    // The 400 most typical texts, and more until every phrase has been seen as written.
    for (n, (r, _)) in members.iter().enumerate() {
        if n >= 400 && forms.iter().all(|f| !f.is_empty()) {
            break;
        }
        for (key, _, said) in text::feature_keys(texts[*r]) {
            if let Some(i) = keys.iter().position(|k| *k == key) {
                *forms[i].entry(said).or_insert(0) += 1;
            }
        }
    }
    let phrases: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            forms[i]
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(t, _)| t.clone())
                .unwrap_or_else(|| k.to_string())
        })
        .collect();
    let coverage_of = |t: u32| df_c.get(&t).copied().unwrap_or(0) as f64 / size;
    let mut label = phrases.first().cloned().unwrap_or_default();
    if let (Some(second), Some(t)) = (phrases.get(1), chosen.get(1)) {
        if coverage_of(*t) >= 0.15 {
            label = format!("{label} / {second}");
        }
    }
    let label = capitalise(&label);
    // Quotes: closest to the centre, preferring readable lengths, distinct texts.
    let mut quotes = Vec::new();
    for pass in 0..2 {
        for (r, _) in members {
            if quotes.len() >= 3 {
                break;
            }
            let len = texts[*r].chars().count();
            let readable = (30..=280).contains(&len);
            if (pass == 0 && !readable) || quotes.contains(r) {
                continue;
            }
            if quotes
                .iter()
                .any(|q: &usize| texts[*q].trim().eq_ignore_ascii_case(texts[*r].trim()))
            {
                continue;
            }
            quotes.push(*r);
        }
    }
    let mut top: Vec<(usize, f32)> = centre
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0.0)
        .map(|(i, w)| (i, *w))
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let signature = top
        .into_iter()
        .take(20)
        .map(|(i, w)| (f.terms[i].clone(), w))
        .collect();
    Cluster {
        members: members.to_vec(),
        label,
        phrases,
        quotes,
        signature,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A theme already stored, for [`match_known`].
#[derive(Debug, Clone)]
pub struct Known {
    pub id: i64,
    pub signature: Vec<(String, f32)>,
    /// Evidence ids it held after the last run.
    pub members: Vec<i64>,
}

/// Cosine similarity of two term signatures.
pub fn signature_similarity(a: &[(String, f32)], b: &[(String, f32)]) -> f64 {
    let bm: HashMap<&str, f32> = b.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    let dot: f64 = a
        .iter()
        .filter_map(|(t, w)| bm.get(t.as_str()).map(|v| (*v * *w) as f64))
        .sum();
    let na = a.iter().map(|(_, w)| (*w * *w) as f64).sum::<f64>().sqrt();
    let nb = b.iter().map(|(_, w)| (*w * *w) as f64).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

fn jaccard(a: &[i64], b: &std::collections::HashSet<i64>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|x| b.contains(x)).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// The minimum similarity for a new theme to continue a stored one.
pub const MATCH_THRESHOLD: f64 = 0.3;

/// A theme of a new run: its signature and the evidence ids it holds.
pub type NewTheme = (Vec<(String, f32)>, Vec<i64>);

/// For each new theme, the stored theme it continues (see the module documentation),
/// one-to-one.
pub fn match_known(new: &[NewTheme], known: &[Known]) -> Vec<Option<i64>> {
    let sets: Vec<std::collections::HashSet<i64>> = known
        .iter()
        .map(|k| k.members.iter().copied().collect())
        .collect();
    let mut pairs = Vec::new();
    for (i, (sig, members)) in new.iter().enumerate() {
        for (j, k) in known.iter().enumerate() {
            let s = signature_similarity(sig, &k.signature).max(jaccard(members, &sets[j]));
            if s >= MATCH_THRESHOLD {
                pairs.push((s, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = vec![None; new.len()];
    let mut taken = vec![false; known.len()];
    for (_, i, j) in pairs {
        if out[i].is_none() && !taken[j] {
            out[i] = Some(known[j].id);
            taken[j] = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<String> {
        let topics = [
            (
                "offline mode",
                "sync fails",
                "on the mobile app in the field",
            ),
            ("slow reports", "dashboard loading", "every Monday morning"),
            ("invoice export", "excel export", "for the finance close"),
            ("support tickets", "response time", "when something breaks"),
        ];
        let mut out = Vec::new();
        let mut rng = Rng::new(3);
        for i in 0..240 {
            let (a, b, c) = topics[i % 4];
            let filler = ["honestly", "again", "lately", "this quarter"][rng.below(4) as usize];
            out.push(match rng.below(3) {
                0 => format!("The {a} is a problem {c}, {filler}."),
                1 => format!("We keep hitting {b} {c}. Please fix the {a}."),
                _ => format!("{b} {filler}; {a} hurts us {c}."),
            });
        }
        out
    }

    #[test]
    fn finds_the_topics_and_labels_them_with_customer_phrases() {
        let texts = corpus();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let opts = Options {
            k: Some(4),
            threads: 2,
            ..Options::default()
        };
        let c = cluster(&refs, &opts, &mut |_| {});
        assert_eq!(c.clusters.len(), 4);
        // Every theme is pure: all its texts come from one topic.
        for cl in &c.clusters {
            let topic = cl.members[0].0 % 4;
            assert!(
                cl.members.iter().all(|(r, _)| r % 4 == topic),
                "{}",
                cl.label
            );
            assert_eq!(cl.members.len(), 60);
            assert_eq!(cl.quotes.len(), 3);
            let lower = cl.label.to_lowercase();
            assert!(
                texts.iter().any(|t| t
                    .to_lowercase()
                    .contains(lower.split(" / ").next().unwrap())),
                "label {lower} is not a customer phrase"
            );
        }
        let labels: Vec<String> = c.clusters.iter().map(|c| c.label.to_lowercase()).collect();
        assert!(
            labels
                .iter()
                .any(|l| l.contains("offline mode") || l.contains("sync fail")),
            "{labels:?}"
        );
        // Deterministic.
        assert_eq!(cluster(&refs, &opts, &mut |_| {}), c);
    }

    #[test]
    fn chooses_k_by_silhouette() {
        let texts = corpus();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let c = cluster(&refs, &Options::default(), &mut |_| {});
        assert!(c.sample_silhouette.unwrap() > 0.1);
        assert!((4..=24).contains(&c.clusters.len()), "{}", c.clusters.len());
    }

    #[test]
    fn texts_without_words_stay_unthemed() {
        let c = cluster(&["", "!!", "the and of"], &Options::default(), &mut |_| {});
        assert!(c.clusters.is_empty());
        assert_eq!(c.assignment, vec![None, None, None]);
    }

    #[test]
    fn stable_identity_follows_signatures_and_members() {
        let sig = |t: &[&str]| {
            t.iter()
                .map(|s| (s.to_string(), 1.0f32))
                .collect::<Vec<_>>()
        };
        let known = vec![
            Known {
                id: 10,
                signature: sig(&["offlin", "sync"]),
                members: vec![1, 2, 3],
            },
            Known {
                id: 11,
                signature: sig(&["slow", "report"]),
                members: vec![4, 5],
            },
        ];
        let new = vec![
            (sig(&["slow", "report", "dashboard"]), vec![4, 5, 9]),
            (sig(&["pric"]), vec![7]),
            (sig(&["sync", "offlin", "mobil"]), vec![1, 2]),
        ];
        assert_eq!(match_known(&new, &known), vec![Some(11), None, Some(10)]);
        // One-to-one: two new themes cannot both continue theme 10.
        let twice = vec![
            (sig(&["offlin", "sync"]), vec![1]),
            (sig(&["offlin", "sync"]), vec![2]),
        ];
        let m = match_known(&twice, &known);
        assert_eq!(m.iter().filter(|x| **x == Some(10)).count(), 1);
    }
}

/// A signature for texts grouped by a person (a split): their 20 most common key phrases,
/// weighted by the share of texts that contain each.
pub fn signature_of(texts: &[&str]) -> Vec<(String, f32)> {
    let mut counts = text::PhraseCounts::new();
    for t in texts {
        counts.add(t, 2);
    }
    let n = texts.len().max(1) as f32;
    counts
        .top(1)
        .into_iter()
        .take(20)
        .map(|(k, _, c, _)| (k, c as f32 / n))
        .collect()
}

/// Signatures as stored: `term=weight` joined by `;`.
pub fn signature_to_text(sig: &[(String, f32)]) -> String {
    sig.iter()
        .map(|(t, w)| format!("{t}={w:.4}"))
        .collect::<Vec<_>>()
        .join(";")
}

pub fn signature_from_text(s: &str) -> Vec<(String, f32)> {
    s.split(';')
        .filter_map(|p| {
            let (t, w) = p.rsplit_once('=')?;
            Some((t.to_string(), w.parse().ok()?))
        })
        .collect()
}

/// The signature of two merged themes: the weights averaged, the top 20 kept.
pub fn merge_signatures(a: &[(String, f32)], b: &[(String, f32)]) -> Vec<(String, f32)> {
    let mut m: HashMap<String, f32> = HashMap::new();
    for (t, w) in a.iter().chain(b.iter()) {
        *m.entry(t.clone()).or_insert(0.0) += w / 2.0;
    }
    let mut v: Vec<(String, f32)> = m.into_iter().collect();
    v.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    v.truncate(20);
    v
}

/// Whether `text` contains any of the words of `words` (compared by stem), for splitting.
pub fn mentions_any(text: &str, words: &str) -> bool {
    let wanted: std::collections::HashSet<String> = text::content_keys(words).into_iter().collect();
    !wanted.is_empty()
        && text::tokens(text)
            .iter()
            .any(|t| wanted.contains(&text::key(&t.word)))
}

#[cfg(test)]
mod signature_tests {
    use super::*;

    #[test]
    fn signatures_round_trip_and_merge() {
        let s = signature_of(&["offline sync fails", "sync fails again", "slow reports"]);
        assert_eq!(s[0].0, "fail");
        let back = signature_from_text(&signature_to_text(&s));
        assert_eq!(back.len(), s.len());
        assert!((back[0].1 - s[0].1).abs() < 1e-3);
        let m = merge_signatures(&s, &[("pric".into(), 1.0)]);
        assert_eq!(m[0], ("pric".to_string(), 0.5));
        assert!(mentions_any("The sync failed", "syncing"));
        assert!(!mentions_any("The sync failed", "the"));
    }
}

//! The compiled site's static files (`pkg/`: CSS, JavaScript, WebAssembly), served from memory.
//!
//! Every debtor of a mass mailing downloads them once, over a phone connection; after that they
//! must come from the browser's cache. So the three files a page names (stylesheet, hydration
//! script, WebAssembly) are served under names that carry a hash of their content
//! (`rapport.<hash>.css`), with `Cache-Control: public, max-age=31536000, immutable`: a new
//! build has new names, an old page never gets a new file. Every file is compressed once with
//! gzip and brotli, in the background after its first request (no request waits for that: until
//! an encoding is ready, the next best is sent), and sent in the best encoding the browser accepts.
//! Files under their plain names (and anything else in `pkg/`) are served too, revalidated by
//! their ETag.
//!
//! Leptos names the script and WebAssembly from a hash file (`js: …`, `wasm: …`); the server
//! writes one for the loaded files and points `LeptosOptions::hash_file` at it.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Long-lived caching for content-addressed names.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Plain names may change with a new build: the browser asks again (and gets 304 if unchanged).
const REVALIDATE: &str = "public, no-cache";

#[derive(Debug)]
struct Asset {
    content_type: &'static str,
    raw: bytes::Bytes,
    etag: String,
    compressible: bool,
    /// Set once the background compression was started.
    compressing: AtomicBool,
    brotli: OnceLock<bytes::Bytes>,
    gzip: OnceLock<bytes::Bytes>,
}

/// The files of `pkg/`, by the name they are requested with (relative to `/pkg/`).
#[derive(Debug, Default)]
pub struct Assets {
    files: HashMap<String, (Arc<Asset>, bool)>,
    /// The stylesheet's URL for pages (hashed when the site has one).
    pub stylesheet: String,
    /// The `hash.txt` contents Leptos reads to name the script and WebAssembly (None: no site).
    pub hash_file: Option<String>,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "json" | "map" => "application/json",
        "html" => "text/html; charset=utf-8",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

fn walk(dir: &FsPath, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push((rel, entry.path()));
        }
    }
    Ok(())
}

impl Assets {
    /// No site: no files, the stylesheet under its plain name.
    pub fn none(output: &str) -> Assets {
        Assets {
            stylesheet: format!("/pkg/{output}.css"),
            ..Assets::default()
        }
    }

    /// Reads `pkg/` of the site (no site, no files: the pages still work without JavaScript,
    /// unstyled). `output` is the output name (`rapport`).
    pub fn load(pkg: &FsPath, output: &str) -> std::io::Result<Assets> {
        let mut assets = Assets::none(output);
        if !pkg.is_dir() {
            return Ok(assets);
        }
        let mut found = Vec::new();
        walk(pkg, "", &mut found)?;
        let mut hashes = String::new();
        for (name, path) in found {
            let raw = bytes::Bytes::from(std::fs::read(&path)?);
            let hash = short_hash(&raw);
            let content_type = content_type(&name);
            let asset = Arc::new(Asset {
                content_type,
                etag: format!("\"{hash}\""),
                compressible: !matches!(
                    content_type,
                    "image/png" | "font/woff2" | "application/octet-stream"
                ),
                raw,
                compressing: AtomicBool::new(false),
                brotli: OnceLock::new(),
                gzip: OnceLock::new(),
            });
            // cargo-leptos writes `<output>.wasm` (or wasm-bindgen's `<output>_bg.wasm`).
            let role = match name.as_str() {
                n if n == format!("{output}.css") => Some("css"),
                n if n == format!("{output}.js") => Some("js"),
                n if n == format!("{output}.wasm") || n == format!("{output}_bg.wasm") => {
                    Some("wasm")
                }
                _ => None,
            };
            if let Some(role) = role {
                let hashed = format!("{output}.{hash}.{role}");
                if role == "css" {
                    assets.stylesheet = format!("/pkg/{hashed}");
                } else {
                    hashes.push_str(&format!("{role}: {hash}\n"));
                }
                assets.files.insert(hashed, (asset.clone(), true));
            }
            assets.files.insert(name, (asset, false));
        }
        if hashes.contains("js:") && hashes.contains("wasm:") {
            assets.hash_file = Some(hashes);
        }
        Ok(assets)
    }

    /// Writes the hash file Leptos reads (content-addressed, so servers of different builds on
    /// one machine never overwrite each other's) and returns its absolute path.
    pub fn write_hash_file(&self) -> std::io::Result<Option<PathBuf>> {
        let Some(contents) = &self.hash_file else {
            return Ok(None);
        };
        let dir = std::env::temp_dir();
        let path = dir.join(format!(
            "rapport-{}.hash.txt",
            short_hash(contents.as_bytes())
        ));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(contents) {
            let mut tmp = tempfile_in(&dir)?;
            tmp.1.write_all(contents.as_bytes())?;
            tmp.1.sync_all()?;
            std::fs::rename(&tmp.0, &path)?;
        }
        Ok(Some(path))
    }

    /// The number of files served (plain and hashed names).
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn tempfile_in(dir: &FsPath) -> std::io::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(
        "rapport-{}-{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let file = std::fs::File::create(&path)?;
    Ok((path, file))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// What the request accepts: (brotli, gzip); `q=0` refuses one.
fn accepted(headers: &HeaderMap) -> (bool, bool) {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return (false, false);
    };
    let (mut br, mut gzip) = (false, false);
    for part in accept.split(',') {
        let mut pieces = part.trim().split(';');
        let coding = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let refused = pieces.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        match coding.as_str() {
            "br" => br = true,
            "gzip" | "x-gzip" => gzip = true,
            _ => {}
        }
    }
    (br, gzip)
}

/// The best encoding the request accepts (brotli over gzip).
#[cfg(test)]
fn negotiate(headers: &HeaderMap) -> Encoding {
    match accepted(headers) {
        (true, _) => Encoding::Brotli,
        (false, true) => Encoding::Gzip,
        _ => Encoding::Identity,
    }
}

/// The best encoding the request accepts that is ready, and its bytes. The first request for a
/// file starts its compression in the background (gzip, then brotli).
fn ready(asset: &Arc<Asset>, headers: &HeaderMap) -> (Encoding, bytes::Bytes) {
    if !asset.compressing.swap(true, Ordering::SeqCst) {
        let work = asset.clone();
        tokio::task::spawn_blocking(move || {
            let _ = work.gzip.set(compress(&work.raw, Encoding::Gzip));
            let _ = work.brotli.set(compress(&work.raw, Encoding::Brotli));
        });
    }
    let (br, gzip) = accepted(headers);
    match (
        br.then(|| asset.brotli.get()).flatten(),
        gzip.then(|| asset.gzip.get()).flatten(),
    ) {
        (Some(bytes), _) => (Encoding::Brotli, bytes.clone()),
        (None, Some(bytes)) => (Encoding::Gzip, bytes.clone()),
        (None, None) => (Encoding::Identity, asset.raw.clone()),
    }
}

fn compress(raw: &[u8], encoding: Encoding) -> bytes::Bytes {
    let mut out = Vec::with_capacity(raw.len() / 3);
    match encoding {
        Encoding::Brotli => {
            // The best ratio for what a release ships (a few MB at most); a debug build's
            // WebAssembly (tens of MB) gets a fast level instead of minutes of work.
            let params = brotli::enc::BrotliEncoderParams {
                quality: if raw.len() <= 4 << 20 { 11 } else { 5 },
                lgwin: 22,
                ..Default::default()
            };
            let mut input = raw;
            // Writing to a Vec cannot fail.
            let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
        }
        Encoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(&mut out, flate2::Compression::best());
            let _ = encoder.write_all(raw);
            let _ = encoder.finish();
        }
        Encoding::Identity => out.extend_from_slice(raw),
    }
    bytes::Bytes::from(out)
}

/// `GET /pkg/{*path}`.
pub async fn serve(
    State(assets): State<Arc<Assets>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let Some((asset, immutable)) = assets.files.get(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let cache = if *immutable { IMMUTABLE } else { REVALIDATE };
    let mut builder = Response::builder()
        .header(header::CACHE_CONTROL, cache)
        .header(header::ETAG, &asset.etag)
        .header(header::VARY, "accept-encoding");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == asset.etag || t.trim() == "*")
        });
    if fresh {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    builder = builder.header(header::CONTENT_TYPE, asset.content_type);
    let (encoding, body) = if asset.compressible {
        ready(asset, &headers)
    } else {
        (Encoding::Identity, asset.raw.clone())
    };
    match encoding {
        Encoding::Brotli => {
            builder = builder.header(header::CONTENT_ENCODING, HeaderValue::from_static("br"))
        }
        Encoding::Gzip => {
            builder = builder.header(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))
        }
        Encoding::Identity => {}
    }
    builder
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(v).expect("header"),
        );
        h
    }

    #[test]
    fn brotli_is_preferred_and_refusals_are_respected() {
        assert_eq!(negotiate(&accept("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(negotiate(&accept("gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("br;q=0, gzip;q=0.5")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("identity")), Encoding::Identity);
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn both_encodings_decode_to_the_original() {
        use std::io::Read;
        let raw: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let br = compress(&raw, Encoding::Brotli);
        let gz = compress(&raw, Encoding::Gzip);
        assert!(br.len() < raw.len() / 4 && gz.len() < raw.len() / 2);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).expect("brotli");
        assert_eq!(back, raw);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .expect("gzip");
        assert_eq!(back, raw);
    }

    #[test]
    fn the_main_files_get_content_hashed_names_and_a_leptos_hash_file() {
        let dir = tempfile::tempdir().expect("dir");
        let pkg = dir.path();
        std::fs::write(pkg.join("rapport.css"), "body{}").expect("css");
        std::fs::write(pkg.join("rapport.js"), "export default 1").expect("js");
        std::fs::write(pkg.join("rapport.wasm"), b"\0asm").expect("wasm");
        std::fs::create_dir(pkg.join("snippets")).expect("dir");
        std::fs::write(pkg.join("snippets/a.js"), "x").expect("snippet");
        let assets = Assets::load(pkg, "rapport").expect("load");
        let css = short_hash(b"body{}");
        assert_eq!(assets.stylesheet, format!("/pkg/rapport.{css}.css"));
        let hash_file = assets.hash_file.clone().expect("hash file");
        assert!(hash_file.contains(&format!("js: {}", short_hash(b"export default 1"))));
        assert!(hash_file.contains(&format!("wasm: {}", short_hash(b"\0asm"))));
        // Plain and hashed names for the three, the snippet under its path.
        assert_eq!(assets.len(), 7);
        assert!(assets.files.contains_key("snippets/a.js"));
        let written = assets.write_hash_file().expect("write").expect("path");
        assert_eq!(std::fs::read_to_string(written).expect("read"), hash_file);
    }

    #[test]
    fn no_site_means_no_files_and_the_plain_stylesheet_name() {
        let assets = Assets::load(FsPath::new("/nonexistent/pkg"), "rapport").expect("load");
        assert!(assets.is_empty());
        assert_eq!(assets.stylesheet, "/pkg/rapport.css");
        assert!(assets.hash_file.is_none());
    }
}

//! The compiled site's files: content-hashed names in the pages, long-lived caching, one
//! compression per file in the encoding the browser accepts, revalidation by ETag.

use server::config::Config;
use server::db::Db;
use server::startup::{Application, SystemClock};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

struct Site {
    base: String,
    css: Vec<u8>,
    _dir: tempfile::TempDir,
}

async fn serve_with_site() -> Site {
    let dir = tempfile::tempdir().expect("temp dir");
    let pkg = dir.path().join("site/pkg");
    std::fs::create_dir_all(&pkg).expect("pkg");
    // Big and repetitive enough that compression shows.
    let css: Vec<u8> = (0..400)
        .flat_map(|i| format!(".c{i} {{ margin: {i}px; color: #123456; }}\n").into_bytes())
        .collect();
    std::fs::write(pkg.join("rapport.css"), &css).expect("css");
    std::fs::write(pkg.join("rapport.js"), "export default function init() {}").expect("js");
    std::fs::write(pkg.join("rapport.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    let vars: HashMap<&str, String> = [
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("rapport.db").display()),
        ),
        ("RAPPORT_ADDR", "127.0.0.1:0".to_string()),
        ("RAPPORT_LOG", "error".to_string()),
        ("RAPPORT_WEBHOOK_RELAY", "off".to_string()),
        ("RAPPORT_DUNNING", "off".to_string()),
        (
            "LEPTOS_SITE_ROOT",
            dir.path().join("site").display().to_string(),
        ),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("configuration");
    let db = Db::connect(&config.database_url).await.expect("database");
    db.migrate().await.expect("migrations");
    let app = Application::build_with(&config, db, Arc::new(SystemClock))
        .await
        .expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Site {
        base,
        css,
        _dir: dir,
    }
}

fn hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(bytes)[..8])
}

#[tokio::test]
async fn pages_name_the_files_by_content_hash_and_they_are_cached_for_a_year_compressed() {
    let site = serve_with_site().await;
    let client = reqwest::Client::new();
    let html = |path: &'static str| {
        let client = client.clone();
        let url = format!("{}{path}", site.base);
        async move {
            client
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html")
        }
    };
    let css_url = format!("/pkg/rapport.{}.css", hash(&site.css));
    let js = format!("rapport.{}.js", hash(b"export default function init() {}"));
    let wasm = format!("rapport.{}.wasm", hash(b"\0asm\x01\0\0\0"));
    // A page that hydrates names all three by their hashes.
    let login = html("/staff/login").await;
    assert!(
        login.contains(&format!(r#"href="{css_url}""#)),
        "the stylesheet by its hash: {login}"
    );
    assert!(login.contains(&js) && login.contains(&wasm), "{login}");
    // The debtor's landing pages work as plain HTML: stylesheet only, no script, no WebAssembly.
    for landing in ["/", "/c/not-a-real-token", "/check"] {
        let page = html(landing).await;
        assert!(page.contains(&css_url), "{landing}: {page}");
        assert!(
            !page.contains(&js) && !page.contains(&wasm) && !page.contains("modulepreload"),
            "{landing} ships no script: {page}"
        );
    }

    let get = |encoding: Option<&'static str>, url: String| {
        let client = client.clone();
        async move {
            let mut req = client.get(url);
            if let Some(e) = encoding {
                req = req.header("accept-encoding", e);
            }
            req.send().await.expect("file")
        }
    };
    let url = format!("{}{css_url}", site.base);
    // The first request starts the compression in the background and is answered at once, with
    // what is ready; brotli follows within moments.
    let first = get(Some("gzip, deflate, br"), url.clone()).await;
    assert_eq!(first.status(), 200);
    let mut br = first;
    for _ in 0..100 {
        if br
            .headers()
            .get("content-encoding")
            .is_some_and(|e| e == "br")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        br = get(Some("gzip, deflate, br"), url.clone()).await;
    }
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(br.headers()["content-type"], "text/css; charset=utf-8");
    let etag = br.headers()["etag"].to_str().expect("etag").to_string();
    let body = br.bytes().await.expect("body");
    assert!(
        body.len() < site.css.len() / 4,
        "compressed: {}",
        body.len()
    );
    let mut plain = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut plain).expect("brotli");
    assert_eq!(plain, site.css);

    let gz = get(Some("gzip"), url.clone()).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let body = gz.bytes().await.expect("body");
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut plain)
        .expect("gzip");
    assert_eq!(plain, site.css);

    let identity = get(None, url.clone()).await;
    assert!(identity.headers().get("content-encoding").is_none());
    assert_eq!(identity.bytes().await.expect("body").to_vec(), site.css);

    let revalidated = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("revalidation");
    assert_eq!(revalidated.status(), 304);

    // The plain name still answers, but must be revalidated; an unknown hash is not found.
    let plain_name = get(Some("br"), format!("{}/pkg/rapport.css", site.base)).await;
    assert_eq!(plain_name.status(), 200);
    assert_eq!(plain_name.headers()["cache-control"], "public, no-cache");
    let stale = get(
        None,
        format!("{}/pkg/rapport.0123456789abcdef.css", site.base),
    )
    .await;
    assert_eq!(stale.status(), 404);
}

//! The reviewer's workbench: `certsift serve OUT`, a web server over a batch output.
//!
//! It reads only what `run` wrote (the summary, each bundle's report, the index) and, to show
//! a PDF page, the bundle's file in the inbox the run read, checked against its sha256. What
//! it writes is its own: reviewers' decisions and their audit trail in `OUT/workbench.sqlite`
//! ([`store`]) and rendered pages in `OUT/workbench-cache/`. A nightly `run` may write while it
//! serves: reports and the summary are replaced by atomic renames and the index is reloaded at
//! each search, so every page shows one whole run.
//!
//! Safe by default: it listens on loopback; any other address needs a token that every request
//! must carry ([`web::guard`]); forms carry a CSRF token; files are opened only by their index
//! in a report's file list; templates escape every value; a Content-Security-Policy forbids
//! inline scripts; request bodies and query times are bounded.

mod export;
mod out;
mod pages;
mod render;
pub mod store;
mod web;

use crate::index::Index;
use crate::report::summary::Names;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use minijinja::Environment;
use out::Out;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use store::Store;

/// Largest request body accepted (a batch search's pasted list of queries).
const MAX_BODY: usize = 1024 * 1024;

/// What `certsift serve` needs, checked by the caller.
pub struct Settings {
    /// The batch output folder (`run --out`).
    pub out: PathBuf,
    /// Where to listen.
    pub bind: SocketAddr,
    /// The access token; required when `bind` is not a loopback address.
    pub token: Option<String>,
    /// The catalog names pages show.
    pub names: Names,
}

/// Why the workbench cannot start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A non-loopback address without a token.
    #[error(
        "拒绝在非本机地址 {0} 上无令牌运行：请加 --token <令牌>，或使用 127.0.0.1 (refusing to listen beyond loopback without --token)"
    )]
    NeedsToken(SocketAddr),
    /// OUT is not a batch output.
    #[error("{0} 不是 certsift run 的输出目录（没有 summary.json）(not a batch output folder)")]
    NotAnOutput(PathBuf),
    /// The decisions database cannot be opened.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// Listening or serving failed.
    #[error("无法在 {addr} 上提供服务：{source} (cannot serve)")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Shared by every request.
pub(crate) struct App {
    out: Out,
    names: Names,
    store: Store,
    templates: Environment<'static>,
    /// Opened at the first search (a run may create the index after the server starts).
    index: OnceLock<Index>,
    pdftoppm: bool,
}

impl App {
    /// The index, opened on first use.
    fn index(&self) -> Result<&Index, crate::index::IndexError> {
        if let Some(index) = self.index.get() {
            index.reload()?;
            return Ok(index);
        }
        let index = Index::open(&self.out.dir().join("index"))?;
        Ok(self.index.get_or_init(|| index))
    }
}

/// Serves until the process is stopped. Prints `certsift serve: http://ADDR/` once listening
/// (the port chosen when `bind` has port 0), so scripts and tests can find it.
pub fn serve(settings: Settings) -> Result<(), ServeError> {
    if !settings.bind.ip().is_loopback() && settings.token.is_none() {
        return Err(ServeError::NeedsToken(settings.bind));
    }
    if !settings.out.join("summary.json").is_file() {
        return Err(ServeError::NotAnOutput(settings.out));
    }
    let app = Arc::new(App {
        store: Store::open(&settings.out)?,
        out: Out::new(settings.out),
        names: settings.names,
        templates: pages::templates(),
        index: OnceLock::new(),
        pdftoppm: render::available(),
    });
    let access = Arc::new(web::Access {
        token: settings.token,
    });
    let io = |source| ServeError::Io {
        addr: settings.bind,
        source,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.bind)
            .await
            .map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "certsift serve: http://{addr}/");
            let _ = stdout.flush();
        }
        axum::serve(listener, router(app, access))
            .await
            .map_err(|source| ServeError::Io { addr, source })
    })
}

/// Every route. Paths carry ids only; each is looked up in what the batch wrote.
fn router(app: Arc<App>, access: Arc<web::Access>) -> Router {
    Router::new()
        .route("/", get(pages::triage))
        .route("/reviewer", post(pages::set_reviewer))
        .route("/bundle/{id}", get(pages::bundle))
        .route(
            "/bundle/{id}/evidence/{indicator}/{n}",
            get(pages::evidence),
        )
        .route("/bundle/{id}/passage", get(pages::passage))
        .route("/bundle/{id}/file/{file}", get(pages::file_view))
        .route("/bundle/{id}/page/{file}/{page}", get(pages::page_image))
        .route("/bundle/{id}/decision", post(pages::decide))
        .route("/bundle/{id}/export.xlsx", get(pages::export))
        .route("/search", get(pages::search))
        .route(
            "/batch-search",
            get(pages::batch_form).post(pages::batch_search),
        )
        .route("/static/{name}", get(pages::asset))
        .fallback(pages::not_found)
        .with_state(app)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(access, web::guard))
}

//! CSV imports in the console, `/console/imports`: a file of results uploaded in a
//! form (multipart, capped at the bulk file cap on the upload route only, as the
//! API's `POST …/bulk-jobs`) becomes a bulk job ([`bulk::parse_csv`],
//! [`crate::store::Store::create_bulk_job`]) that the workers process; its page
//! shows the progress (refreshing itself every two seconds while the job runs,
//! without JavaScript), the counts, then the rejected rows with their reasons and a
//! download of them as CSV. The list shows the recent imports.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Can, Chrome, Section, Staff, csrf_matches, forbidden, see_other, with_form_cap};
use crate::app::AppState;
use crate::bulk;
use crate::domain::audit::{Action, Change};
use crate::error::AppError;
use crate::store::{BulkJob, BulkRow};
use crate::web::{PageContext, not_found, private, render};

/// Jobs listed on the imports page.
const RECENT_JOBS: i64 = 20;
/// Rejected rows shown on a job's page (all of them are in the download).
const ROWS_SHOWN: i64 = 200;
/// Rejected rows read at a time for the download.
const DOWNLOAD_CHUNK: i64 = 1000;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    with_form_cap(axum::Router::new().route("/console/imports", post(upload)), bulk::MAX_FILE_BYTES).merge(
        with_form_cap(
            axum::Router::new()
                .route("/console/imports", get(list))
                .route("/console/imports/{id}", get(job_page))
                .route("/console/imports/{id}/rejected.csv", get(rejected_csv)),
            super::MAX_FORM_BYTES,
        ),
    )
}

/// The words of the import pages.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub upload_title: &'static str,
    pub upload_lead: &'static str,
    pub columns: &'static str,
    pub file_label: &'static str,
    pub file_hint: &'static str,
    pub upload: &'static str,
    pub recent: &'static str,
    pub none_yet: &'static str,
    pub no_file: &'static str,
    pub not_csv: &'static str,
    pub unusable: &'static str,
    pub unreadable: &'static str,
    pub job_title: &'static str,
    pub file: &'static str,
    pub uploaded: &'static str,
    pub queued: &'static str,
    pub running: &'static str,
    pub completed: &'static str,
    pub progress: &'static str,
    pub of: &'static str,
    pub rows_done: &'static str,
    pub refreshes: &'static str,
    pub counts: &'static str,
    pub issued: &'static str,
    pub awaiting_signoff: &'static str,
    pub in_progress: &'static str,
    pub locked_out: &'static str,
    pub revoked: &'static str,
    pub suspended: &'static str,
    pub duplicate: &'static str,
    pub rejected: &'static str,
    pub pending: &'static str,
    pub rejected_rows: &'static str,
    pub no_rejected: &'static str,
    pub row: &'static str,
    pub line: &'static str,
    pub column: &'static str,
    pub reason: &'static str,
    pub more_rejected: &'static str,
    pub download: &'static str,
    pub untitled: &'static str,
}

pub const EN: Words = Words {
    title: "CSV imports",
    upload_title: "Import results from a CSV file",
    upload_lead: "One row per learner result, with a header row naming the columns. Each row is recorded as a result recorded in the form would be; a bad row is rejected with its reason and never stops the others, and a row already recorded is skipped.",
    columns: "Columns (in any order): achievement and component are required, and email or external_id:",
    file_label: "CSV file (UTF-8, at most 20 MiB)",
    file_hint: "Save a spreadsheet as “CSV UTF-8”.",
    upload: "Upload and import",
    recent: "Recent imports",
    none_yet: "No import yet.",
    no_file: "Choose a CSV file to upload.",
    not_csv: "This file is not a CSV file. Save the spreadsheet as “CSV UTF-8” (a .csv file) and upload that.",
    unusable: "This file cannot be imported, and nothing was recorded:",
    unreadable: "The upload could not be read. Try again.",
    job_title: "Import",
    file: "File",
    uploaded: "Uploaded",
    queued: "Waiting to start",
    running: "Importing",
    completed: "Done",
    progress: "Progress",
    of: "of",
    rows_done: "rows processed",
    refreshes: "This page refreshes itself every two seconds until the import is done.",
    counts: "Outcomes",
    issued: "Issued",
    awaiting_signoff: "Awaiting sign-off",
    in_progress: "In progress",
    locked_out: "Locked out",
    revoked: "Credential revoked",
    suspended: "Credential suspended",
    duplicate: "Already recorded (skipped)",
    rejected: "Rejected",
    pending: "Not processed yet",
    rejected_rows: "Rejected rows",
    no_rejected: "No row was rejected.",
    row: "Row",
    line: "Line",
    column: "Column",
    reason: "Reason",
    more_rejected: "Only the first rejected rows are shown here; the download holds them all.",
    download: "Download the rejected rows (CSV)",
    untitled: "(no file name)",
};

pub const FR: Words = Words {
    title: "Importations CSV",
    upload_title: "Importer des résultats d’un fichier CSV",
    upload_lead: "Une ligne par résultat, avec une ligne d’en-tête nommant les colonnes. Chaque ligne est inscrite comme un résultat inscrit par le formulaire; une ligne fautive est rejetée avec sa raison sans arrêter les autres, et une ligne déjà inscrite est ignorée.",
    columns: "Colonnes (dans n’importe quel ordre) : achievement et component sont obligatoires, ainsi que email ou external_id :",
    file_label: "Fichier CSV (UTF-8, au plus 20 Mio)",
    file_hint: "Enregistrez le tableur au format « CSV UTF-8 ».",
    upload: "Téléverser et importer",
    recent: "Importations récentes",
    none_yet: "Aucune importation pour l’instant.",
    no_file: "Choisissez un fichier CSV à téléverser.",
    not_csv: "Ce fichier n’est pas un fichier CSV. Enregistrez le tableur au format « CSV UTF-8 » (un fichier .csv) et téléversez celui-ci.",
    unusable: "Ce fichier ne peut pas être importé, et rien n’a été inscrit :",
    unreadable: "Le téléversement n’a pas pu être lu. Réessayez.",
    job_title: "Importation",
    file: "Fichier",
    uploaded: "Téléversé",
    queued: "En attente",
    running: "Importation en cours",
    completed: "Terminée",
    progress: "Progression",
    of: "sur",
    rows_done: "lignes traitées",
    refreshes: "Cette page se met à jour toutes les deux secondes jusqu’à la fin de l’importation.",
    counts: "Résultats",
    issued: "Délivrés",
    awaiting_signoff: "En attente d’approbation",
    in_progress: "En cours",
    locked_out: "Bloqués",
    revoked: "Titre révoqué",
    suspended: "Titre suspendu",
    duplicate: "Déjà inscrites (ignorées)",
    rejected: "Rejetées",
    pending: "Pas encore traitées",
    rejected_rows: "Lignes rejetées",
    no_rejected: "Aucune ligne n’a été rejetée.",
    row: "Ligne",
    line: "Ligne du fichier",
    column: "Colonne",
    reason: "Raison",
    more_rejected: "Seules les premières lignes rejetées sont affichées ici; le téléchargement les contient toutes.",
    download: "Télécharger les lignes rejetées (CSV)",
    untitled: "(sans nom de fichier)",
};

fn status_name(w: &'static Words, status: &str) -> &'static str {
    match status {
        "queued" => w.queued,
        "running" => w.running,
        _ => w.completed,
    }
}

/// One job in the list.
struct JobLine {
    href: String,
    name: String,
    created: String,
    status: &'static str,
    processed: i64,
    total: i64,
    rejected: i64,
}

#[derive(Template)]
#[template(path = "console_imports.html", config = "src/web/askama.toml")]
struct ListPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    columns: String,
    can_upload: bool,
    error: Option<String>,
    jobs: Vec<JobLine>,
}

async fn list_page(state: &AppState, staff: &Staff, status: StatusCode, error: Option<String>) -> Response {
    let w = staff.page.pick(&EN, &FR);
    let jobs = match state.store.bulk_jobs(&staff.organization.id, RECENT_JOBS, 0).await {
        Ok(jobs) => jobs,
        Err(e) => return e.into_response(),
    };
    let jobs = jobs
        .into_iter()
        .map(|j| JobLine {
            href: format!("/console/imports/{}", j.id),
            name: j.file_name.clone().unwrap_or_else(|| w.untitled.to_string()),
            created: staff.page.date(&j.created_at),
            status: status_name(w, &j.status),
            processed: j.processed_rows,
            total: j.total_rows,
            rejected: j.counts.rejected,
        })
        .collect();
    let template = ListPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Imports),
        w,
        columns: bulk::COLUMNS.join(", "),
        can_upload: staff.can(Can::Issue),
        error,
        jobs,
    };
    private(render(&staff.page, status, &template))
}

/// `GET /console/imports`: the upload form and the recent imports.
pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    list_page(&state, &staff, StatusCode::OK, None).await
}

/// The upload form's fields: the CSRF token and the file (name, type, bytes).
#[derive(Default)]
struct Upload {
    csrf: String,
    file: Option<(String, String, axum::body::Bytes)>,
}

async fn read_upload(request: Request, state: &AppState) -> Result<Upload, AppError> {
    let too_large = |e: &axum::extract::multipart::MultipartError| e.status() == StatusCode::PAYLOAD_TOO_LARGE;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if too_large(&e) {
            AppError::PayloadTooLarge { limit: bulk::MAX_FILE_BYTES }
        } else {
            AppError::bad_request(Some("file"), format!("not a readable multipart form: {e}"))
        }
    };
    let mut multipart = Multipart::from_request(request, state).await.map_err(|e| {
        AppError::UnsupportedMediaType(format!("send the form as multipart/form-data: {}", e.body_text()))
    })?;
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or("") {
            "csrf" => upload.csrf = field.text().await.map_err(unreadable)?,
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let content_type = field.content_type().unwrap_or("").to_ascii_lowercase();
                let data = field.bytes().await.map_err(unreadable)?;
                if !data.is_empty() || !name.is_empty() {
                    upload.file = Some((name, content_type, data));
                }
            }
            // Other fields are read (within the cap) and ignored.
            _ => {
                field.bytes().await.map_err(unreadable)?;
            }
        }
    }
    Ok(upload)
}

/// Whether an uploaded file says it is CSV, by its type or its name (browsers on
/// some systems send `.csv` files as `application/vnd.ms-excel`).
fn looks_like_csv(name: &str, content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    matches!(mime, "text/csv" | "application/csv" | "text/comma-separated-values")
        || name.to_ascii_lowercase().ends_with(".csv")
}

/// `POST /console/imports`: stores the file as a job and goes to its page, or shows
/// the form again saying why the file cannot be used.
pub async fn upload(State(state): State<AppState>, staff: Staff, request: Request) -> Response {
    if let Err(r) = staff.require(Can::Issue) {
        return *r;
    }
    if !crate::web::claim_page::same_site_post(request.headers(), &state.store.public_url) {
        return forbidden(&staff.page);
    }
    let w = staff.page.pick(&EN, &FR);
    let upload = match read_upload(request, &state).await {
        Ok(u) => u,
        Err(e @ (AppError::PayloadTooLarge { .. } | AppError::UnsupportedMediaType(_))) => return e.into_response(),
        Err(_) => return list_page(&state, &staff, StatusCode::BAD_REQUEST, Some(w.unreadable.into())).await,
    };
    if !csrf_matches(&staff.session, &[("csrf".to_string(), upload.csrf)]) {
        return forbidden(&staff.page);
    }
    let Some((name, content_type, data)) = upload.file else {
        return list_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(w.no_file.into())).await;
    };
    if !looks_like_csv(&name, &content_type) {
        return list_page(&state, &staff, StatusCode::UNSUPPORTED_MEDIA_TYPE, Some(w.not_csv.into())).await;
    }
    let file_name: Option<String> =
        Some(name.chars().filter(|c| !c.is_control()).take(255).collect::<String>()).filter(|n| !n.is_empty());
    let org = &staff.organization;
    let org_id = org.id.clone();
    let parsed = match tokio::task::spawn_blocking(move || bulk::parse_csv(&org_id, &data)).await {
        Ok(Ok(parsed)) => parsed,
        // The file as a whole cannot be used (not UTF-8, missing or unknown columns, ...).
        Ok(Err(AppError::Validation(faults))) => {
            let reasons: Vec<String> = faults.iter().map(|f| staff.page.lang.reason(&f.reason)).collect();
            let message = format!("{} {}", w.unusable, reasons.join("; "));
            return list_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await;
        }
        Ok(Err(AppError::BadRequest { detail, .. })) => {
            let message = format!("{} {detail}", w.unusable);
            return list_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await;
        }
        Ok(Err(e)) => return e.into_response(),
        Err(e) => return AppError::Internal(format!("reading the file failed: {e}")).into_response(),
    };
    let account = &staff.session.account.id;
    let job =
        match state.store.create_bulk_job(&org.id, file_name.as_deref(), &parsed.sha256, account, &parsed.rows).await {
            Ok(job) => job,
            Err(e) => return e.into_response(),
        };
    let actor = staff.actor();
    let change = Change {
        organization_id: &org.id,
        actor: &actor,
        action: Action::BulkImportStarted,
        subject_kind: "bulk-job",
        subject_id: &job.id,
        summary: format!(
            "CSV import {} started: {} rows, {} rejected at upload",
            file_name.as_deref().unwrap_or("(no file name)"),
            job.total_rows,
            parsed.rejected()
        ),
    };
    if let Err(e) = state.store.record_change(&change).await {
        return e.into_response();
    }
    tracing::info!(organization = %org.slug, job = %job.id, rows = job.total_rows, "bulk job created in the console");
    see_other(&format!("/console/imports/{}", job.id))
}

/// The organization's job `id`, or `None`.
async fn find_job(state: &AppState, staff: &Staff, id: &str) -> Result<Option<BulkJob>, AppError> {
    if id.is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
        return Ok(None);
    }
    state.store.bulk_job(&staff.organization.id, id).await
}

/// A rejected row's reasons, one per column at fault.
struct Rejection {
    row: i64,
    line: i64,
    column: String,
    reason: String,
}

fn rejections(rows: &[BulkRow]) -> Vec<Rejection> {
    rows.iter()
        .flat_map(|r| {
            r.errors.iter().map(|e| Rejection {
                row: r.row,
                line: r.line,
                column: e.field.clone(),
                reason: e.reason.to_string(),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console_import.html", config = "src/web/askama.toml")]
struct JobPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    id: String,
    name: String,
    created: String,
    status: &'static str,
    running: bool,
    job: BulkJob,
    rejected: Vec<Rejection>,
    more: bool,
}

/// `GET /console/imports/{id}`: the job's progress, counts and rejected rows.
pub async fn job_page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let w = staff.page.pick(&EN, &FR);
    let run = async {
        let Some(job) = find_job(&state, &staff, &id).await? else { return Ok(private(not_found(&staff.page))) };
        let rows = state.store.bulk_rows(&job.id, Some("rejected"), ROWS_SHOWN, 0).await?;
        let template = JobPage {
            page: &staff.page,
            chrome: staff.chrome(Section::Imports),
            w,
            id: job.id.clone(),
            name: job.file_name.clone().unwrap_or_else(|| w.untitled.to_string()),
            created: staff.page.date(&job.created_at),
            status: status_name(w, &job.status),
            running: job.status != "completed",
            more: job.counts.rejected > ROWS_SHOWN,
            rejected: rejections(&rows),
            job,
        };
        Ok::<_, AppError>(private(render(&staff.page, StatusCode::OK, &template)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// A cell as written to a CSV a spreadsheet opens: one that a spreadsheet would read
/// as a formula is prefixed with `'`.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// `GET /console/imports/{id}/rejected.csv`: every rejected row with its reasons.
pub async fn rejected_csv(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let run = async {
        let Some(job) = find_job(&state, &staff, &id).await? else { return Ok(private(not_found(&staff.page))) };
        let mut out = csv::Writer::from_writer(Vec::new());
        let write_error = |e: csv::Error| AppError::Internal(format!("writing the CSV failed: {e}"));
        out.write_record(["row", "line", "column", "reason"]).map_err(write_error)?;
        let mut offset = 0;
        loop {
            let rows = state.store.bulk_rows(&job.id, Some("rejected"), DOWNLOAD_CHUNK, offset).await?;
            for r in rejections(&rows) {
                out.write_record([r.row.to_string(), r.line.to_string(), cell(&r.column), cell(&r.reason)])
                    .map_err(write_error)?;
            }
            if (rows.len() as i64) < DOWNLOAD_CHUNK {
                break;
            }
            offset += DOWNLOAD_CHUNK;
        }
        let body = out.into_inner().map_err(|e| AppError::Internal(format!("writing the CSV failed: {e}")))?;
        let mut r = (StatusCode::OK, body).into_response();
        let headers = r.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"rejected-rows-{}.csv\"", job.id)) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
        Ok::<_, AppError>(private(r))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

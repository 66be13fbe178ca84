use axum::http::StatusCode;

#[tokio::test]
async fn health_answers_ok() {
    let app = crate::common::app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["database"], "ok");
}

//! The console's analytics: the funnel of the credentials issued in a period, the claim
//! rate by month, learners' states, the CSV; and the public counters, which count
//! visitors once a day.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::common::app;
use crate::console_support::{Console, issued_credential};

fn from(client: u8, path: &str, method: Method) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
    let address = std::net::SocketAddr::from(([198, 51, 100, client], 40000));
    request.extensions_mut().insert(axum::extract::ConnectInfo(address));
    request
}

#[tokio::test]
async fn the_funnel_counts_what_became_of_the_credentials_issued() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(issued_credential(&app, "college", &key, &format!("learner{n}@example.org")).await);
    }
    // Two claimed, one shared (by two visitors, twice each), one downloaded.
    for (_, claim) in &ids[..2] {
        assert_eq!(accept_claim(&app, claim).await, StatusCode::SEE_OTHER);
    }
    let share = format!("/credentials/{}/events/shared", ids[0].0);
    for client in [1, 1, 2, 2] {
        assert_eq!(app.send_request(from(client, &share, Method::POST)).await.status, StatusCode::NO_CONTENT);
    }
    let json = format!("/credentials/{}/credential.json", ids[1].0);
    assert_eq!(app.send_request(from(3, &json, Method::GET)).await.status, StatusCode::OK);
    let summary = app.get(&format!("/api/v1/organizations/college/credentials/{}", ids[0].0), Some(&key)).await;
    assert_eq!(summary.body["counts"]["shared"], 2, "two visitors shared it: {}", summary.text);

    let viewer = Console::signed_in(&app, "college", &key, "viewer@college.ca", "viewer").await;
    let page = viewer.get(&app, "/console/analytics").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let cells = |text: &str| -> Vec<String> {
        let at = text.find("<tbody><tr><td>").expect("the funnel's figures") + "<tbody><tr>".len();
        let row = &text[at..text[at..].find("</tr>").unwrap() + at];
        row.split("<td>").skip(1).map(|c| c.split([' ', '<']).next().unwrap().to_string()).collect()
    };
    assert_eq!(
        cells(&page.text),
        ["4", "2", "1", "1", "0"],
        "issued, claimed, shared, downloaded, verified: {}",
        page.text
    );
    assert!(page.text.contains("50\u{a0}% of the credentials issued"), "{}", page.text);
    assert!(page.text.contains("<svg class=\"chart\"") && page.text.contains("role=\"img\""), "charts with a title");
    let month = credence::store::now()[..7].to_string();
    assert!(
        page.text.contains(&format!("<tr><th scope=\"row\">{month}</th><td>4</td><td>2</td><td>50&nbsp;%</td>")),
        "{}",
        page.text
    );
    assert!(page.text.contains("Minimal badge"), "by micro-credential");

    let csv = viewer.get(&app, &format!("/console/analytics.csv?from={month}&to={month}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let mut lines = csv.text.lines();
    assert_eq!(lines.next(), Some("month,achievement_id,achievement,issued,claimed,shared,downloaded,verified"));
    let row = lines.next().expect("one row");
    assert!(row.starts_with(&format!("{month},")) && row.ends_with(",Minimal badge,4,2,1,1,0"), "{row}");

    // An earlier period holds nothing; hostile parameters fall back to the default period.
    let empty = viewer.get(&app, "/console/analytics?from=2024-01&to=2024-03").await;
    assert!(empty.text.contains("No credentials were issued in this period."), "{}", empty.text);
    for query in
        ["from=%FF&to=x", "from=1999-01&to=2026-99", "achievement=%27%20OR%201=1--", "achievement=&from=9999-12"]
    {
        let r = viewer.get(&app, &format!("/console/analytics?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
    }
    let fr = viewer.get(&app, "/console/analytics?lang=fr").await;
    assert!(fr.text.contains("Taux de réclamation par mois de délivrance"));

    // Another organization's analytics count only its own.
    let rival_key = app.org_with_key("rival").await;
    let rival = Console::signed_in(&app, "rival", &rival_key, "viewer@rival.ca", "viewer").await;
    let theirs = rival.get(&app, "/console/analytics").await;
    assert!(theirs.text.contains("No credentials were issued in this period."), "{}", theirs.text);
    let org = app.store.organization_by_slug("college").await.unwrap().unwrap();
    let achievement = app.store.list_achievements(&org.id).await.unwrap()[0].id.clone();
    let peek = rival.get(&app, &format!("/console/analytics?achievement={achievement}")).await;
    assert!(
        peek.text.contains("No credentials were issued in this period."),
        "another's micro-credential shows nothing"
    );
}

async fn accept_claim(app: &crate::common::TestApp, claim: &str) -> StatusCode {
    let request = Request::builder()
        .method(Method::POST)
        .uri(claim)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("origin", crate::common::PUBLIC_URL)
        .body(Body::from("name=Learner"))
        .unwrap();
    app.send_request(request).await.status
}

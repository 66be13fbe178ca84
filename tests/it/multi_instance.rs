//! Two `credence serve` processes on ONE PostgreSQL database, taking requests for
//! the same organization at once: no status-list index handed out twice (with lists
//! of 16 indexes, so that both instances open new lists as they fill), no
//! duplicate credential, rule evaluation and Idempotency-Key consistent across
//! instances.
//!
//! Needs PostgreSQL: `CREDENCE_TEST_DATABASE_URL=postgres://...` (the test creates
//! its own database beside that one and drops it at the end). Under `CI=true`
//! without that variable it uses postgres://postgres@127.0.0.1:5432/postgres.
//! Otherwise it prints a loud SKIP and passes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Barrier};

use serde_json::{Value, json};
use sqlx::Row;

const BIN: &str = env!("CARGO_BIN_EXE_credence");

fn postgres_base_url() -> Option<String> {
    match std::env::var("CREDENCE_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            Some("postgres://postgres@127.0.0.1:5432/postgres".into())
        }
        _ => None,
    }
}

/// Creates a fresh database next to `base`; drops it (forcibly) when dropped.
struct Database {
    base: String,
    name: String,
    url: String,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

async fn admin_sql(base: &str, sql: String) {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(base).await.expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.expect("admin statement");
}

impl Database {
    fn create(base: &str) -> Database {
        let stem = base.rsplit('/').next().unwrap_or("credence").split('?').next().unwrap_or("credence");
        let name = format!("{stem}_mi{}", uuid::Uuid::new_v4().simple());
        runtime().block_on(admin_sql(base, format!("CREATE DATABASE \"{name}\"")));
        let prefix = &base[..base.rfind('/').expect("database URL has a path")];
        Database { base: base.to_string(), url: format!("{prefix}/{name}"), name }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        runtime().block_on(admin_sql(&self.base, format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)));
    }
}

fn achievement(slug: &str, components: &[&str]) -> Value {
    let all_of: Vec<Value> = components.iter().map(|c| json!({"component": c, "completed": true})).collect();
    json!({
        "slug": slug, "name": format!("Badge {slug}"), "description": "Multi-instance test badge.",
        "criteria": {"narrative": "Complete every part."}, "achievementType": "Badge", "tier": "badge",
        "language": "en", "rule": {"allOf": all_of}
    })
}

fn result(achievement: &str, component: &str, email: &str) -> Value {
    json!({"achievement": achievement, "component": component, "completed": true, "learner": {"email": email}})
}

const RESULTS: &str = "/api/v1/organizations/multi/results";

#[test]
fn two_instances_on_one_postgres_database_stay_correct() {
    let Some(base) = postgres_base_url() else {
        // Written to the stderr handle, not through eprintln!, so that the test
        // harness's output capture does not hide it.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
              !! SKIPPED multi_instance: needs PostgreSQL. Set                              !!\n\
              !! CREDENCE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres     !!\n\
              !! (under CI=true it runs against that address without the variable).         !!\n\
              !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
        );
        return;
    };
    // Declared first, dropped last: the servers are killed before the database goes.
    let db = Database::create(&base);
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = crate::http1::random_admin_key();
    let master = crate::http1::random_master_key_hex();
    let keys_dir = dir.path().join("keys").to_string_lossy().into_owned();
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("CREDENCE_ADMIN_KEY", admin.as_str()),
        ("CREDENCE_MASTER_KEY", master.as_str()),
        ("CREDENCE_KEYS_DIR", keys_dir.as_str()),
        ("CREDENCE_PUBLIC_URL", "https://badges.example.ca"),
        ("CREDENCE_STATUS_LIST_LENGTH", "16"),
        ("RUST_LOG", "warn"),
    ];
    let a = crate::http1::Server::start(BIN, dir.path(), "instance-a", &env);
    let b = crate::http1::Server::start(BIN, dir.path(), "instance-b", &env);
    let addrs = [a.addr.clone(), b.addr.clone()];

    let mut conn = crate::http1::Conn::new(&addrs[0]);
    let r = conn.post(
        "/api/v1/organizations",
        &admin,
        &json!({"slug": "multi", "name": "Multi College", "kind": "college"}),
        &[],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = conn.post("/api/v1/organizations/multi/api-keys", &admin, &json!({"name": "multi", "role": "issuer"}), &[]);
    assert_eq!(r.status, 201, "{}", r.body);
    let key = r.json()["key"].as_str().expect("key").to_string();
    for (slug, parts) in [("attend", &["session"][..]), ("two-part", &["theory", "practice"][..])] {
        let r = conn.post("/api/v1/organizations/multi/achievements", &admin, &achievement(slug, parts), &[]);
        assert_eq!(r.status, 201, "{}", r.body);
    }

    // 1. Distinct learners spread over both instances by 8 clients.
    const DISTINCT: usize = 240;
    let clients: Vec<_> = (0..8)
        .map(|t| {
            let (addrs, key) = (addrs.clone(), key.clone());
            std::thread::spawn(move || {
                let mut conns = [crate::http1::Conn::new(&addrs[0]), crate::http1::Conn::new(&addrs[1])];
                for i in (t..DISTINCT).step_by(8) {
                    let r = conns[i % 2].post(
                        RESULTS,
                        &key,
                        &result("attend", "session", &format!("d{i}@example.org")),
                        &[],
                    );
                    assert_eq!(r.status, 200, "distinct learner {i}: {}", r.body);
                    assert_eq!(r.json()["state"], "issued", "{}", r.body);
                }
            })
        })
        .collect();

    // 2. The same learner and achievement sent to both instances at the same moment.
    // 3. A two-part rule whose parts reach the two instances at the same moment.
    // 4. The same Idempotency-Key (same request) sent to both instances at the same moment.
    const PAIRS: usize = 40;
    let barrier = Arc::new(Barrier::new(2));
    let racers: Vec<_> = (0..2)
        .map(|side| {
            let (addrs, key, barrier) = (addrs.clone(), key.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut conn = crate::http1::Conn::new(&addrs[side]);
                let mut same = Vec::new();
                let mut two_part = Vec::new();
                let mut idem = Vec::new();
                for i in 0..PAIRS {
                    barrier.wait();
                    same.push(conn.post(
                        RESULTS,
                        &key,
                        &result("attend", "session", &format!("same{i}@example.org")),
                        &[],
                    ));
                    let part = if side == 0 { "theory" } else { "practice" };
                    barrier.wait();
                    two_part.push(conn.post(
                        RESULTS,
                        &key,
                        &result("two-part", part, &format!("two{i}@example.org")),
                        &[],
                    ));
                    let idem_key = format!("idem-{i}");
                    barrier.wait();
                    let r = conn.post(
                        RESULTS,
                        &key,
                        &result("attend", "session", &format!("idem{i}@example.org")),
                        &[("Idempotency-Key", &idem_key)],
                    );
                    idem.push(r);
                }
                (same, two_part, idem)
            })
        })
        .collect();
    for c in clients {
        c.join().expect("distinct-learner client");
    }
    let mut sides: Vec<_> = racers.into_iter().map(|r| r.join().expect("racing client")).collect();
    let (same_b, two_b, idem_b) = sides.pop().unwrap();
    let (same_a, two_a, idem_a) = sides.pop().unwrap();

    let credential_id = |r: &crate::http1::Reply| r.json()["credential"]["id"].as_str().map(str::to_string);
    for i in 0..PAIRS {
        // Same learner at once: both answer issued, with the one credential.
        for r in [&same_a[i], &same_b[i]] {
            assert_eq!(r.status, 200, "same learner {i}: {}", r.body);
            assert_eq!(r.json()["state"], "issued", "{}", r.body);
        }
        assert_eq!(credential_id(&same_a[i]), credential_id(&same_b[i]), "same learner {i}: two credentials answered");

        // Two parts at once: both recorded; the learner ends issued (checked below), once.
        for r in [&two_a[i], &two_b[i]] {
            assert_eq!(r.status, 200, "two-part {i}: {}", r.body);
        }
        assert!(
            two_a[i].json()["state"] == "issued" || two_b[i].json()["state"] == "issued",
            "two-part {i}: neither instance saw both parts: {} / {}",
            two_a[i].body,
            two_b[i].body
        );

        // Same Idempotency-Key at once: one runs; the other replays it or is told to retry.
        let mut ran = 0;
        for r in [&idem_a[i], &idem_b[i]] {
            match r.status {
                200 if r.header("idempotent-replayed").is_some() => {}
                200 => ran += 1,
                409 => assert!(r.body.contains("Idempotency-Key"), "{}", r.body),
                s => panic!("idempotent {i}: unexpected {s}: {}", r.body),
            }
        }
        assert_eq!(
            ran, 1,
            "idempotent {i}: exactly one instance runs the request: {} / {}",
            idem_a[i].body, idem_b[i].body
        );
        let first = if idem_a[i].status == 200 { &idem_a[i] } else { &idem_b[i] };
        if idem_a[i].status == 200 && idem_b[i].status == 200 {
            assert_eq!(idem_a[i].json(), idem_b[i].json(), "idempotent {i}: replay differs");
        }
        // Replays afterwards, on either instance, give the stored answer.
        for addr in &addrs {
            let mut c = crate::http1::Conn::new(addr);
            let again = c.post(
                RESULTS,
                &key,
                &result("attend", "session", &format!("idem{i}@example.org")),
                &[("Idempotency-Key", &format!("idem-{i}"))],
            );
            assert_eq!(again.status, 200, "{}", again.body);
            assert_eq!(again.header("idempotent-replayed"), Some("true"));
            assert_eq!(again.json(), first.json(), "idempotent {i}: replay on {addr} differs");
        }
    }
    // The two-part learners all end issued, whichever instance is asked.
    for i in 0..PAIRS {
        let learner = two_a[i].json()["learnerId"].as_str().expect("learner id").to_string();
        let mut c = crate::http1::Conn::new(&addrs[i % 2]);
        let r = c.get(&format!("/api/v1/organizations/multi/learners/{learner}/achievements/two-part"), Some(&key));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["state"], "issued", "two-part {i}: {}", r.body);
    }

    // What the database holds.
    let (credentials, status_rows, docs) = runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.expect("connect");
        let dup_credentials: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM (SELECT learner_id, achievement_id FROM credentials \
             GROUP BY learner_id, achievement_id HAVING COUNT(*) > 1) d",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(dup_credentials, 0, "a learner holds the same achievement twice");
        let dup_indexes: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM (SELECT organization_id, purpose, list_number, list_index FROM status_entries \
             GROUP BY organization_id, purpose, list_number, list_index HAVING COUNT(*) > 1) d",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(dup_indexes, 0, "a status-list index was handed out twice");
        let results_per_idem: Vec<i64> = sqlx::query(
            "SELECT COUNT(r.id) AS n FROM learners l LEFT JOIN assessment_results r ON r.learner_id = l.id \
             WHERE l.email LIKE 'idem%' GROUP BY l.id",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get("n").unwrap())
        .collect();
        assert_eq!(results_per_idem.len(), PAIRS);
        assert!(
            results_per_idem.iter().all(|&n| n == 1),
            "an idempotent request was recorded twice: {results_per_idem:?}"
        );
        let learners: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM learners").fetch_one(&mut conn).await.unwrap().try_get("n").unwrap();
        assert_eq!(learners as usize, DISTINCT + 3 * PAIRS, "a learner was created twice");
        let credentials: i64 = sqlx::query("SELECT COUNT(*) AS n FROM credentials")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        let status_rows: Vec<(String, String, i64, i64)> =
            sqlx::query("SELECT credential_id, purpose, list_number, list_index FROM status_entries")
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.try_get("credential_id").unwrap(),
                        r.try_get("purpose").unwrap(),
                        r.try_get("list_number").unwrap(),
                        r.try_get("list_index").unwrap(),
                    )
                })
                .collect();
        let docs: Vec<(String, String)> = sqlx::query("SELECT id, document FROM credentials")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.try_get("id").unwrap(), r.try_get("document").unwrap()))
            .collect();
        (credentials, status_rows, docs)
    });
    assert_eq!(credentials as usize, DISTINCT + 3 * PAIRS, "one credential per learner and achievement");

    // Every credential has exactly one entry per list, no entry is orphaned, and the
    // indexes written in the signed documents are the reserved ones, all different.
    let list_url = |purpose: &str, number: i64| match number {
        0 => format!("https://badges.example.ca/status/multi/{purpose}"),
        n => format!("https://badges.example.ca/status/multi/{purpose}/{n}"),
    };
    let mut by_credential: HashMap<&str, Vec<(String, i64)>> = HashMap::new();
    for (cred, purpose, number, index) in &status_rows {
        assert!((0..16).contains(index), "index {index} is outside a list of 16");
        by_credential.entry(cred.as_str()).or_default().push((list_url(purpose, *number), *index));
    }
    let lists: HashSet<(&str, i64)> = status_rows.iter().map(|(_, p, n, _)| (p.as_str(), *n)).collect();
    assert!(
        lists.len() >= 2 * 17,
        "{} credentials in lists of 16 fill at least 17 lists per purpose: {lists:?}",
        docs.len()
    );
    assert_eq!(by_credential.len(), docs.len(), "status entries without a credential, or credentials without entries");
    let mut seen = HashSet::new();
    for (id, doc) in &docs {
        let entries = by_credential.get(id.as_str()).unwrap_or_else(|| panic!("credential {id} has no status entries"));
        assert_eq!(entries.len(), 2, "credential {id}: {entries:?}");
        let doc: Value = serde_json::from_str(doc).unwrap();
        for status in doc["credentialStatus"].as_array().expect("credentialStatus") {
            let list = status["statusListCredential"].as_str().unwrap().to_string();
            let index: i64 = status["statusListIndex"].as_str().unwrap().parse().unwrap();
            assert!(
                entries.contains(&(list.clone(), index)),
                "credential {id}: document says {list} {index}, store says {entries:?}"
            );
            assert!(seen.insert((list.clone(), index)), "{list} index {index} is in two credentials");
        }
    }
    // Every list is served, by either instance, signed under its own URL.
    for (i, (purpose, number)) in lists.iter().enumerate() {
        let url = list_url(purpose, *number);
        let mut c = crate::http1::Conn::new(&addrs[i % 2]);
        let r = c.get(url.trim_start_matches("https://badges.example.ca"), None);
        assert_eq!(r.status, 200, "{url}: {}", r.body);
        assert_eq!(r.json()["id"], url.as_str());
        assert!(r.json()["proof"].is_object(), "{url} is signed");
    }
    drop(a);
    drop(b);
}

/// Two `credence serve` processes on one fresh PostgreSQL database, with an
/// organization `multi` and an issuer key. Fields drop in order: the servers are
/// killed before the database goes.
struct TwoInstances {
    servers: [crate::http1::Server; 2],
    admin: String,
    key: String,
    _dir: tempfile::TempDir,
    db: Database,
}

impl TwoInstances {
    fn start(base: &str) -> TwoInstances {
        let db = Database::create(base);
        let dir = tempfile::tempdir().expect("temp dir");
        let admin = crate::http1::random_admin_key();
        let master = crate::http1::random_master_key_hex();
        let keys_dir = dir.path().join("keys").to_string_lossy().into_owned();
        let env = [
            ("DATABASE_URL", db.url.as_str()),
            ("CREDENCE_ADMIN_KEY", admin.as_str()),
            ("CREDENCE_MASTER_KEY", master.as_str()),
            ("CREDENCE_KEYS_DIR", keys_dir.as_str()),
            ("CREDENCE_PUBLIC_URL", "https://badges.example.ca"),
            ("RUST_LOG", "warn"),
        ];
        let servers = [
            crate::http1::Server::start(BIN, dir.path(), "instance-a", &env),
            crate::http1::Server::start(BIN, dir.path(), "instance-b", &env),
        ];
        let mut conn = crate::http1::Conn::new(&servers[0].addr);
        let org = json!({"slug": "multi", "name": "Multi College", "kind": "college"});
        let r = conn.post("/api/v1/organizations", &admin, &org, &[]);
        assert_eq!(r.status, 201, "{}", r.body);
        let r = conn.post("/api/v1/organizations/multi/api-keys", &admin, &json!({"name": "m", "role": "issuer"}), &[]);
        assert_eq!(r.status, 201, "{}", r.body);
        let key = r.json()["key"].as_str().expect("key").to_string();
        TwoInstances { servers, admin, key, _dir: dir, db }
    }

    fn addrs(&self) -> [String; 2] {
        [self.servers[0].addr.clone(), self.servers[1].addr.clone()]
    }
}

/// Issues `attend` to `email` through `conn`; an answer that the achievement was
/// edited meanwhile (409 naming `achievement`) is sent again, as a client would.
fn issue_retrying(conn: &mut crate::http1::Conn, key: &str, email: &str) -> Value {
    for _ in 0..10 {
        let r = conn.post(RESULTS, key, &result("attend", "session", email), &[]);
        if r.status == 409 && r.body.contains("\"achievement\"") {
            continue;
        }
        assert_eq!(r.status, 200, "{email}: {}", r.body);
        assert_eq!(r.json()["state"], "issued", "{}", r.body);
        return r.json();
    }
    panic!("{email}: the achievement changed under ten tries in a row");
}

#[test]
fn issued_count_is_exact_and_issued_versions_never_change_across_two_instances() {
    let Some(base) = postgres_base_url() else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\n!! SKIPPED multi_instance issued_count: needs PostgreSQL (CREDENCE_TEST_DATABASE_URL or CI=true) !!\n",
        );
        return;
    };
    let cluster = TwoInstances::start(&base);
    let (addrs, key, admin) = (cluster.addrs(), cluster.key.clone(), cluster.admin.clone());
    let mut conn = crate::http1::Conn::new(&addrs[0]);
    let r = conn.post("/api/v1/organizations/multi/achievements", &admin, &achievement("attend", &["session"]), &[]);
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().expect("id").to_string();

    // 1. Issuances through both instances while the achievement is edited through
    // both: an edit in place must never change a version a credential names.
    const EDITS: usize = 30;
    let editor = {
        let (addrs, admin, id) = (addrs.clone(), admin.clone(), id.clone());
        std::thread::spawn(move || {
            let mut conns = [crate::http1::Conn::new(&addrs[0]), crate::http1::Conn::new(&addrs[1])];
            let mut in_place = 0;
            for k in 0..EDITS {
                let mut body = achievement("attend", &["session"]);
                body["description"] = json!(format!("Edit {k}"));
                let auth = format!("Bearer {admin}");
                let r = conns[k % 2]
                    .request(
                        "PUT",
                        &format!("/api/v1/organizations/multi/achievements/{id}"),
                        &[("Authorization", &auth)],
                        Some(&body.to_string()),
                    )
                    .expect("PUT answered");
                match r.status {
                    200 => in_place += usize::from(r.json()["newVersion"] == false),
                    // Two edits at once on two instances: the later is told to retry.
                    409 => {}
                    s => panic!("edit {k}: {s} {}", r.body),
                }
            }
            in_place
        })
    };
    let issuers: Vec<_> = (0..6)
        .map(|t| {
            let (addrs, key) = (addrs.clone(), key.clone());
            std::thread::spawn(move || {
                let mut conns = [crate::http1::Conn::new(&addrs[0]), crate::http1::Conn::new(&addrs[1])];
                for i in 0..20 {
                    issue_retrying(&mut conns[i % 2], &key, &format!("edit{t}-{i}@example.org"));
                }
            })
        })
        .collect();
    for t in issuers {
        t.join().expect("issuer");
    }
    editor.join().expect("editor");

    // Every credential's achievement is its version as stored, and every version's
    // count is its credentials.
    let docs: Vec<Value> = runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&cluster.db.url).await.expect("connect");
        sqlx::query("SELECT document FROM credentials")
            .fetch_all(&mut db)
            .await
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str(&r.try_get::<String, _>("document").unwrap()).unwrap())
            .collect()
    });
    assert_eq!(docs.len(), 120);
    let mut stored: HashMap<String, Value> = HashMap::new();
    for doc in &docs {
        let signed = &doc["credentialSubject"]["achievement"];
        let url = signed["id"].as_str().expect("achievement id");
        let path = url.strip_prefix("https://badges.example.ca").expect("our URL").to_string();
        let version = stored.entry(path.clone()).or_insert_with(|| {
            let r = conn.get(&format!("{path}?format=json"), None);
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            r.json()
        });
        for field in ["name", "description", "criteria"] {
            assert_eq!(signed[field], version[field], "{url}: the credential's {field} is not the stored version's");
        }
    }

    // 2. With the edits over: many concurrent issuances of the latest version
    // through both instances, then its issuedCount, read through each, is exact.
    let latest = conn.get(&format!("/api/v1/organizations/multi/achievements/{id}"), Some(&admin)).json();
    let version = latest["version"].as_i64().expect("version");
    let before = latest["issuedCount"].as_i64().expect("issuedCount");
    let issuers: Vec<_> = (0..8)
        .map(|t| {
            let (addrs, key) = (addrs.clone(), key.clone());
            std::thread::spawn(move || {
                let mut conns = [crate::http1::Conn::new(&addrs[0]), crate::http1::Conn::new(&addrs[1])];
                for i in 0..25 {
                    issue_retrying(&mut conns[(t + i) % 2], &key, &format!("count{t}-{i}@example.org"));
                }
            })
        })
        .collect();
    for t in issuers {
        t.join().expect("issuer");
    }
    let in_db: i64 = runtime().block_on(async {
        let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&cluster.db.url).await.expect("connect");
        sqlx::query("SELECT COUNT(*) AS n FROM credentials WHERE achievement_id = $1 AND achievement_version = $2")
            .bind(&id)
            .bind(version)
            .fetch_one(&mut db)
            .await
            .unwrap()
            .try_get("n")
            .unwrap()
    });
    assert_eq!(in_db, before + 200);
    for addr in &addrs {
        let mut c = crate::http1::Conn::new(addr);
        let one = c.get(&format!("/api/v1/organizations/multi/achievements/{id}"), Some(&key)).json();
        assert_eq!(one["version"], version);
        assert_eq!(one["issuedCount"], before + 200, "through {addr}");
        let listed = c.get("/api/v1/organizations/multi/achievements", Some(&key)).json();
        assert_eq!(listed[0]["issuedCount"], before + 200, "listed through {addr}");
    }
}

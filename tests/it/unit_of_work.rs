//! The unit of work of issuance (`Store::issuing`, `Store::issuing_once`): what a
//! call writes is committed together or not at all, and an idempotent answer is
//! stored if and only if the call's writes are. Runs on whichever backend the
//! suite runs on (the SQLite writer, or PostgreSQL with CREDENCE_TEST_DATABASE_URL).

use credence::domain::learner::LearnerInput;
use credence::error::AppError;
use credence::store::{IdempotencyKey, Once, Store};
use serde_json::json;

use crate::common::TestApp;

async fn org_id(app: &TestApp, slug: &str) -> String {
    app.org_with_key(slug).await;
    app.store.organization_by_slug(slug).await.unwrap().unwrap().id
}

fn learner(email: &str) -> LearnerInput {
    serde_json::from_value(json!({"email": email, "name": "Test Learner"})).unwrap()
}

async fn count(store: &Store, sql: &'static str, value: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).bind(value.to_string()).fetch_one(&store.pool).await.unwrap()
}

async fn learners_named(store: &Store, email: &str) -> i64 {
    count(store, "SELECT COUNT(*) FROM learners WHERE email = $1", email).await
}

async fn answers_for(store: &Store, key: &str) -> i64 {
    count(store, "SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = $1", key).await
}

fn key(org: &str, key: &str, hash: &str) -> IdempotencyKey {
    IdempotencyKey { organization_id: org.to_string(), key: key.to_string(), request_hash: hash.to_string() }
}

fn answer(id: &String) -> Result<(u16, String), AppError> {
    Ok((201, format!("learner {id}")))
}

/// Creates a learner at most once per `key`, answering with `answer`.
async fn create_once(
    store: &Store,
    key: IdempotencyKey,
    email: &'static str,
    answer: impl FnOnce(&String) -> Result<(u16, String), AppError> + Send + 'static,
) -> Result<Once<String>, AppError> {
    let org = key.organization_id.clone();
    store.issuing_once(key, move |tx| Ok(tx.find_or_create_learner(&org, &learner(email))?.0.id), answer).await
}

#[tokio::test]
async fn an_error_inside_a_unit_leaves_nothing_it_wrote() {
    let app = crate::common::app().await;
    let org = org_id(&app, "uow").await;
    let o = org.clone();
    let failed = app
        .store
        .issuing(move |tx| {
            tx.find_or_create_learner(&o, &learner("undone@example.com"))?;
            tx.find_or_create_learner(&o, &learner("undone-too@example.com"))?;
            Err::<(), _>(AppError::invalid("x", "refused after writing"))
        })
        .await;
    assert!(matches!(failed, Err(AppError::Validation(_))), "{failed:?}");
    assert_eq!(learners_named(&app.store, "undone@example.com").await, 0);
    assert_eq!(learners_named(&app.store, "undone-too@example.com").await, 0);
    // The same writes in a unit that succeeds are all there.
    let o = org.clone();
    let made = app.store.issuing(move |tx| tx.find_or_create_learner(&o, &learner("kept@example.com"))).await.unwrap();
    assert_eq!(learners_named(&app.store, "kept@example.com").await, 1);
    let o = org.clone();
    let again = app.store.issuing(move |tx| tx.find_or_create_learner(&o, &learner("kept@example.com"))).await.unwrap();
    assert_eq!(again.0.id, made.0.id, "found, not created twice");
    assert!(made.1 && !again.1, "only the first unit says it created the learner");
}

#[tokio::test]
async fn a_failed_step_undone_in_its_savepoint_lets_the_unit_go_on() {
    let app = crate::common::app().await;
    let org = org_id(&app, "uow").await;
    let o = org.clone();
    let kept = app
        .store
        .issuing(move |tx| {
            let undone = tx.undo_on_error(|tx| {
                tx.find_or_create_learner(&o, &learner("step@example.com"))?;
                Err::<(), _>(AppError::invalid("row", "rejected"))
            });
            assert!(undone.is_err());
            tx.find_or_create_learner(&o, &learner("after@example.com"))
        })
        .await;
    assert!(kept.is_ok(), "{kept:?}");
    assert_eq!(learners_named(&app.store, "step@example.com").await, 0);
    assert_eq!(learners_named(&app.store, "after@example.com").await, 1);
}

#[tokio::test]
async fn the_idempotent_answer_is_stored_if_and_only_if_the_call_commits() {
    let app = crate::common::app().await;
    let org = org_id(&app, "uow").await;
    // The call fails after writing: neither its writes nor an answer remain, so the
    // key may be used again.
    let o = org.clone();
    let failed = app
        .store
        .issuing_once(
            key(&org, "k-1", "h-1"),
            move |tx| {
                tx.find_or_create_learner(&o, &learner("first@example.com"))?;
                Err::<String, _>(AppError::invalid("x", "refused after writing"))
            },
            |_: &String| Ok((200, "never stored".to_string())),
        )
        .await;
    assert!(matches!(failed, Err(AppError::Validation(_))));
    assert_eq!(answers_for(&app.store, "k-1").await, 0);
    assert_eq!(learners_named(&app.store, "first@example.com").await, 0);
    // The answer cannot be made: the call's writes are undone with it.
    let unanswered = create_once(&app.store, key(&org, "k-1", "h-1"), "first@example.com", |_: &String| {
        Err(AppError::Internal("cannot seal".into()))
    })
    .await;
    assert!(matches!(unanswered, Err(AppError::Internal(_))));
    assert_eq!(answers_for(&app.store, "k-1").await, 0);
    assert_eq!(learners_named(&app.store, "first@example.com").await, 0);
    // The call succeeds: its writes and its answer are there together.
    let ran = create_once(&app.store, key(&org, "k-1", "h-1"), "first@example.com", answer).await.unwrap();
    let Once::Ran(id) = ran else { panic!("the first call with the key runs") };
    assert_eq!(answers_for(&app.store, "k-1").await, 1);
    assert_eq!(learners_named(&app.store, "first@example.com").await, 1);
    // The key again: the stored answer, and the call does not run.
    let replayed = create_once(&app.store, key(&org, "k-1", "h-2"), "second@example.com", answer).await.unwrap();
    match replayed {
        Once::Stored((hash, status, body)) => {
            assert_eq!((hash.as_str(), status, body), ("h-1", 201, format!("learner {id}")));
        }
        Once::Ran(_) => panic!("a used key ran again"),
    }
    assert_eq!(learners_named(&app.store, "second@example.com").await, 0);
    assert_eq!(app.store.idempotent_response(&org, "k-1").await.unwrap().map(|a| a.1), Some(201));
}

#[tokio::test]
async fn units_creating_one_learner_at_once_all_get_the_same_one() {
    let app = crate::common::app().await;
    let org = org_id(&app, "uow").await;
    // On PostgreSQL these transactions overlap: the later inserts wait for the first
    // and then read its row; on SQLite they run one after the other.
    let units = (0..8).map(|_| {
        let o = org.clone();
        app.store.issuing(move |tx| tx.find_or_create_learner(&o, &learner("same@example.com")))
    });
    let made = futures_util::future::join_all(units).await;
    let made: Vec<_> = made.into_iter().map(Result::unwrap).collect();
    let ids: std::collections::BTreeSet<&String> = made.iter().map(|(l, _)| &l.id).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(made.iter().filter(|(_, created)| *created).count(), 1, "one unit created the learner");
    assert_eq!(learners_named(&app.store, "same@example.com").await, 1);
}

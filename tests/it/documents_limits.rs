//! Issuing documents is bounded (issue 24, item 2): the PDF renders outside the write lock, a
//! budget per account, contract and site, the same «Акт сверки» is not issued twice, a low
//! disk refuses before anything is written; received documents cannot break a numbering
//! series (item 6).
use crate::common::*;
use crate::documents::{contract_id, ctx};
use kabinet::{
    app::documents::{self as docs, Actor},
    config::{Config, RenderHook},
    db,
};
use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        mpsc, Arc, Mutex,
    },
    time::Duration,
};

/// A render hook that, for the armed contract only, says «rendering» and waits for «go».
struct Probe {
    armed: Arc<AtomicI64>,
    rendering: mpsc::Receiver<String>,
    go: mpsc::Sender<()>,
}

fn probe(cfg: &mut Config) -> Probe {
    let armed = Arc::new(AtomicI64::new(0));
    let (tell, rendering) = mpsc::channel::<String>();
    let (go, wait) = mpsc::channel::<()>();
    let (tell, wait) = (Mutex::new(tell), Mutex::new(wait));
    let a = armed.clone();
    cfg.documents.render_hook = RenderHook(Some(Arc::new(move |cid, number| {
        if cid != a.load(Ordering::Acquire) {
            return;
        }
        let _ = tell.lock().unwrap().send(number.to_owned());
        let _ = wait.lock().unwrap().recv_timeout(Duration::from_secs(30));
    })));
    Probe {
        armed,
        rendering,
        go,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_contracts_writes_do_not_wait_for_a_pdf_render() {
    let mut cfg = Config::default();
    let p = probe(&mut cfg);
    let app = TestApp::with_config(cfg).await;
    let (k1, k2) = (
        contract_id(&app, DEMO_CONTRACT),
        contract_id(&app, "78101424UL"),
    );
    p.armed.store(k1, Ordering::Release);
    let st = app.state.clone();
    let issuing = tokio::spawn(async move {
        let st2 = st.clone();
        st.db
            .run(move |c| {
                let ctx = docs::Ctx {
                    cfg: &st2.cfg,
                    tz: &st2.tz,
                    now: st2.clock.now(),
                };
                docs::issue_invoice(c, &ctx, &Actor::System, k1, 10_000)
            })
            .await
    });
    let rendering = p.rendering;
    let number = tokio::task::spawn_blocking(move || rendering.recv_timeout(Duration::from_secs(20)))
        .await
        .unwrap()
        .expect("the invoice starts rendering");
    // While that PDF renders: another contract's write through the writer's queue, and one in
    // a transaction of its own.
    let queued = tokio::time::timeout(
        Duration::from_secs(3),
        app.state.db.write(move |c| {
            c.execute(
                "UPDATE contracts SET documents_email = 'buh@k2.example' WHERE id = ?1",
                [k2],
            )?;
            Ok(())
        }),
    )
    .await;
    let own = tokio::time::timeout(
        Duration::from_secs(3),
        app.state.db.run(move |c| {
            let tx = db::begin_write(c)?;
            tx.execute(
                "UPDATE contracts SET documents_email = 'acc@k2.example' WHERE id = ?1",
                [k2],
            )?;
            tx.commit()?;
            Ok(())
        }),
    )
    .await;
    p.go.send(()).unwrap();
    let doc = issuing.await.unwrap().expect("the invoice is issued");
    assert_eq!(doc.number, number, "stored under the number it rendered with");
    assert!(
        matches!(queued, Ok(Ok(()))),
        "a queued write of another contract waited for the render: {queued:?}"
    );
    assert!(
        matches!(own, Ok(Ok(()))),
        "another contract's transaction waited for the render: {own:?}"
    );
    let _ = ctx(&app);
}

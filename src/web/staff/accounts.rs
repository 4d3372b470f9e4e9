//! Admin only: staff accounts (create, block/unblock) and the audit log.
use crate::routes::ids;
use maud::html;
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Path},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use super::{actor, requests::FilterQuery};
use crate::{
    db::{audit, staff},
    domain::states::StaffRole,
    error::AppError,
    state::SharedState,
    views::staff::{accounts as view, layout},
    web::staff_auth::StaffAdmin,
};

#[handler]
pub async fn list(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    StaffAdmin(me): StaffAdmin,
) -> poem::Result<Markup> {
    let rows = st.db.run(|c| Ok(staff::list(c)?)).await?;
    let empty = view::NewStaff {
        login: "",
        name: "",
        role: StaffRole::Operator,
    };
    let body = html! {
        div .staff-two {
            (view::list(&crate::web::ctx(st), me.id, &rows))
            (view::create_form(&empty, &[], None))
        }
    };
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Accounts,
        "Сотрудники",
        body,
    ))
}

#[derive(Deserialize)]
pub struct NewInput {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[handler]
pub async fn create(
    req: &Request,
    Data(st): Data<&SharedState>,
    StaffAdmin(me): StaffAdmin,
    Form(input): Form<NewInput>,
) -> poem::Result<Response> {
    let login = input.login.trim().to_owned();
    let name = input.name.trim().to_owned();
    let role = StaffRole::parse(&input.role).unwrap_or(StaffRole::Operator);
    let mut errors: Vec<(&str, String)> = Vec::new();
    let login_ok = (3..=32).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !login_ok {
        errors.push((
            "login",
            "От 3 до 32 латинских букв, цифр, точек, дефисов".into(),
        ));
    }
    if name.is_empty() || name.chars().count() > 80 {
        errors.push(("name", "Введите имя (до 80 символов)".into()));
    }
    let pw_len = input.password.chars().count();
    if !(10..=256).contains(&pw_len) {
        errors.push(("password", "Пароль от 10 до 256 символов".into()));
    }
    let fail = |errors: &[(&str, String)]| {
        let v = view::NewStaff {
            login: &login,
            name: &name,
            role,
        };
        view::create_form(&v, errors, None)
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response()
    };
    if !errors.is_empty() {
        return Ok(fail(&errors));
    }
    let hash = st.passwords.hash(input.password).await?;
    let a = actor(req, st, &me);
    let (l, n) = (login.clone(), name.clone());
    let created = st
        .db
        .run(move |c| {
            let id = staff::create(c, &l, &n, role, &hash, a.now)?;
            if let Some(id) = id {
                a.log(
                    c,
                    "staff.create",
                    &format!("staff:{id}"),
                    &format!("{l} ({role})"),
                )?;
            }
            Ok(id.map(|_| staff::list(c)).transpose()?)
        })
        .await?;
    let Some(rows) = created else {
        return Ok(fail(&[("login", "Такой логин уже есть".into())]));
    };
    let empty = view::NewStaff {
        login: "",
        name: "",
        role: StaffRole::Operator,
    };
    let done = format!("Сотрудник {login} добавлен");
    Ok(html! {
        (view::create_form(&empty, &[], Some(&done)))
        div id=(ids::ACCOUNTS) hx-swap-oob="outerHTML" { (view::list(&crate::web::ctx(st), me.id, &rows)) }
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct On {
    #[serde(default)]
    on: String,
}

#[handler]
pub async fn set_active(
    req: &Request,
    Data(st): Data<&SharedState>,
    StaffAdmin(me): StaffAdmin,
    Path(id): Path<i64>,
    Form(f): Form<On>,
) -> poem::Result<Markup> {
    if id == me.id {
        return Err(AppError::BadRequest("Нельзя заблокировать самого себя".into()).into());
    }
    let on = f.on == "1";
    let a = actor(req, st, &me);
    let (ended, rows) = st
        .db
        .run(move |c| {
            let ended = staff::set_active(c, id, on)?;
            a.log(
                c,
                if on { "staff.unblock" } else { "staff.block" },
                &format!("staff:{id}"),
                "",
            )?;
            Ok((ended, staff::list(c)?))
        })
        .await?;
    st.sessions_ended(ended);
    Ok(view::list(&crate::web::ctx(st), me.id, &rows))
}

#[handler]
pub async fn audit_log(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    StaffAdmin(me): StaffAdmin,
    _q: poem::web::Query<FilterQuery>,
) -> poem::Result<Markup> {
    let rows = st.db.run(|c| Ok(audit::recent(c, 300)?)).await?;
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Audit,
        "Журнал действий",
        view::audit_table(&crate::web::ctx(st), &rows),
    ))
}

//! `user`, `token`, `audit` and `privacy` commands (F2, F3).

use crate::{open, PrivacyCommand, TokenCommand, UserCommand};
use anyhow::{anyhow, bail, Context, Result};
use peerstage_core::Role;
use peerstage_store::AuditFilter;
use std::io::{BufRead, IsTerminal, Write};

fn read_password(from_stdin: bool) -> Result<String> {
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    // Hide the typed password where the terminal lets us.
    let hide = std::process::Command::new("stty")
        .arg("-echo")
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let ask = |prompt: &str| -> Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush().ok();
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        if hide {
            eprintln!();
        }
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    };
    let first = ask("Password: ");
    let second = first.as_ref().ok().map(|_| ask("Again: "));
    if hide {
        let _ = std::process::Command::new("stty").arg("echo").status();
    }
    let first = first?;
    if second.transpose()?.as_deref() != Some(first.as_str()) {
        bail!("the passwords differ");
    }
    Ok(first)
}

fn find(store: &peerstage_store::Store, email: &str) -> Result<peerstage_store::User> {
    store
        .find_user(email)?
        .ok_or_else(|| anyhow!("no user has the email {email}"))
}

fn show_errors(e: peerstage_store::StoreError) -> anyhow::Error {
    match e {
        peerstage_store::StoreError::Invalid(fields) => anyhow!("{fields}"),
        other => other.into(),
    }
}

pub fn user(url: &str, cmd: UserCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
        UserCommand::Add {
            email,
            role,
            password_stdin,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow!("--role: {e}"))?;
            let password = read_password(password_stdin)?;
            let user = store
                .add_user(&email, role, &password)
                .map_err(show_errors)?;
            println!("added {} ({})", user.email, user.role);
        }
        UserCommand::List { json } => {
            let users = store.list_users()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!("{:<5} {:<40} {:<8} status", "id", "email", "role");
                for u in users {
                    println!(
                        "{:<5} {:<40} {:<8} {}",
                        u.id,
                        u.email,
                        u.role.as_str(),
                        if u.disabled { "disabled" } else { "active" }
                    );
                }
            }
        }
        UserCommand::Disable { email } => {
            let u = find(&store, &email)?;
            store.set_user_disabled(u.id, true)?;
            println!("disabled {email}: sessions ended, API tokens revoked");
        }
        UserCommand::Enable { email } => {
            let u = find(&store, &email)?;
            store.set_user_disabled(u.id, false)?;
            println!("enabled {email}");
        }
    }
    Ok(())
}

pub fn token(url: &str, cmd: TokenCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
        TokenCommand::Create { user, name } => {
            let u = find(&store, &user)?;
            let (secret, token) = store.create_token(u.id, &name).map_err(show_errors)?;
            println!(
                "token {} '{}' for {} (shown once; store it now):",
                token.id, token.name, u.email
            );
            println!("{secret}");
        }
        TokenCommand::List => {
            println!(
                "{:<5} {:<30} {:<24} {:<20} status",
                "id", "user", "name", "created"
            );
            for t in store.list_tokens()? {
                let status = match t.revoked_at {
                    Some(r) => format!("revoked {}", r.format("%Y-%m-%d")),
                    None => "active".into(),
                };
                println!(
                    "{:<5} {:<30} {:<24} {:<20} {status}",
                    t.id,
                    t.user_email,
                    t.name,
                    t.created_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
        TokenCommand::Revoke { id } => {
            store.revoke_token(id)?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}

pub struct AuditArgs {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub id: Option<i64>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: u32,
    pub json: bool,
}

pub fn audit(url: &str, a: AuditArgs) -> Result<()> {
    let date = |name: &str, v: &Option<String>| -> Result<Option<chrono::NaiveDate>> {
        match v {
            None => Ok(None),
            Some(s) => {
                peerstage_core::parse::optional_date(s).map_err(|e| anyhow!("--{name}: {e}"))
            }
        }
    };
    let filter = AuditFilter {
        actor: a.actor,
        action: a.action,
        entity: a.entity,
        entity_id: a.id,
        since: date("since", &a.since)?,
        until: date("until", &a.until)?,
        page: 1,
        per_page: a.limit.clamp(1, 500),
    };
    let store = open(url)?;
    let page = store.list_audit(&filter)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&page.items)?);
        return Ok(());
    }
    for e in &page.items {
        let target = match e.entity_id {
            Some(id) => format!("{} {id}", e.entity),
            None => e.entity.clone(),
        };
        println!(
            "{}  {:<28} {:<7} {:<18} {}",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            target,
            e.summary
        );
    }
    eprintln!("{} of {} entries", page.items.len(), page.total);
    Ok(())
}

pub fn privacy(url: &str, cmd: PrivacyCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
        PrivacyCommand::Export { contact, out } => {
            let doc = store.privacy_export(contact)?;
            let text = serde_json::to_string_pretty(&doc)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "wrote everything stored about contact {contact} to {}",
                        path.display()
                    );
                }
                None => println!("{text}"),
            }
        }
        PrivacyCommand::Erase { contact } => {
            store.erase_contact(contact)?;
            println!("erased the personal data of contact {contact}; their touchpoints and NPS responses remain, anonymised");
        }
    }
    Ok(())
}

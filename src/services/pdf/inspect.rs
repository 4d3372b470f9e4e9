//! A received PDF is parsed (lopdf), not only sniffed: `%PDF-` followed by HTML is not a PDF,
//! and a PDF that runs anything when opened (JavaScript, an `/OpenAction`, additional actions,
//! a launch action) is refused — subscribers open these files from their operator's portal.
use lopdf::{Document, Object};

/// Why a received file is refused (Russian, for the API's error message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotPdf,
    Active(&'static str),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::NotPdf => {
                "pdf_base64: это не PDF (файл не читается как PDF-документ со страницами)".into()
            }
            Refusal::Active(what) => format!(
                "pdf_base64: PDF содержит {what}; такие файлы не принимаются — выгрузите документ без скриптов и автоматических действий"
            ),
        }
    }
}

/// Keys of a dictionary that make a document act on its own.
fn active_key(key: &[u8]) -> Option<&'static str> {
    match key {
        b"JS" | b"JavaScript" => Some("JavaScript (/JS, /JavaScript)"),
        b"OpenAction" => Some("действие при открытии (/OpenAction)"),
        b"AA" => Some("автоматические действия (/AA)"),
        _ => None,
    }
}

/// Action types (`/S`) that run something.
fn active_action(name: &[u8]) -> Option<&'static str> {
    match name {
        b"JavaScript" => Some("JavaScript (/S /JavaScript)"),
        b"Launch" => Some("запуск программы (/Launch)"),
        _ => None,
    }
}

fn scan(o: &Object, depth: usize) -> Result<(), Refusal> {
    if depth > 64 {
        return Err(Refusal::NotPdf);
    }
    let dict = match o {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        Object::Array(a) => {
            for x in a {
                scan(x, depth + 1)?;
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    for (k, v) in dict.iter() {
        if let Some(what) = active_key(k) {
            return Err(Refusal::Active(what));
        }
        if k.as_slice() == b"S" {
            if let Object::Name(n) = v {
                if let Some(what) = active_action(n) {
                    return Err(Refusal::Active(what));
                }
            }
        }
        scan(v, depth + 1)?;
    }
    Ok(())
}

/// Accepts a PDF with at least one page and nothing that acts on its own.
pub fn check_received(bytes: &[u8]) -> Result<(), Refusal> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(Refusal::NotPdf);
    }
    let doc = Document::load_mem(bytes).map_err(|_| Refusal::NotPdf)?;
    if doc.get_pages().is_empty() {
        return Err(Refusal::NotPdf);
    }
    // Every object, compressed object streams included (lopdf unpacks them on load), and the
    // trailer.
    for o in doc.objects.values() {
        scan(o, 0)?;
    }
    scan(&Object::Dictionary(doc.trailer.clone()), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_pdfs_pass_and_html_after_the_magic_does_not() {
        let act = crate::services::pdf::act(&crate::services::pdf::sample::act(false, 2));
        assert_eq!(check_received(&act), Ok(()));
        let html = b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>";
        assert_eq!(check_received(html), Err(Refusal::NotPdf));
        assert_eq!(check_received(b"<html>"), Err(Refusal::NotPdf));
    }
}

//! A story as the strip shows it.

#[derive(Debug, Clone)]
pub struct Story {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub image_path: String,
    pub viewed: bool,
}

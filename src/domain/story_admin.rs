//! A story as staff edit it.

#[derive(Debug, Clone)]
pub struct Story {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub image_path: String,
    pub sort_order: i64,
    pub published: bool,
    pub publish_from: Option<i64>,
    pub publish_until: Option<i64>,
}

//! What an uploaded clip may be: its frame size, length and frame rate, each
//! configurable. A clip outside them is refused at upload with a sentence that
//! says which limit and what the clip has, before anything is stored, so no render
//! or analysis ever starts on an 8K hour-long file.

use super::probe::ProbeReport;

/// Limits on accepted clips.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MediaLimits {
    pub max_width: u32,
    pub max_height: u32,
    pub max_duration_secs: f64,
    pub max_frame_rate: f64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self {
            max_width: 4096,
            max_height: 4096,
            max_duration_secs: 600.0,
            max_frame_rate: 120.0,
        }
    }
}

/// Which limit a clip is over.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OverLimit {
    #[error(
        "the video is {width}×{height} pixels; the largest accepted is {max_width}×{max_height}"
    )]
    Size {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
    },
    #[error("the video is {secs:.0} s long; the longest accepted is {max:.0} s")]
    Duration { secs: f64, max: f64 },
    #[error("the video has {fps:.0} frames per second; at most {max:.0} are accepted")]
    FrameRate { fps: f64, max: f64 },
}

impl MediaLimits {
    /// The first limit `report` is over, if any.
    pub fn check(&self, report: &ProbeReport) -> Result<(), OverLimit> {
        let info = &report.info;
        if info.width > self.max_width || info.height > self.max_height {
            return Err(OverLimit::Size {
                width: info.width,
                height: info.height,
                max_width: self.max_width,
                max_height: self.max_height,
            });
        }
        if info.duration > self.max_duration_secs {
            return Err(OverLimit::Duration {
                secs: info.duration,
                max: self.max_duration_secs,
            });
        }
        if report.frame_rate > self.max_frame_rate {
            return Err(OverLimit::FrameRate {
                fps: report.frame_rate,
                max: self.max_frame_rate,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::MediaInfo;

    fn clip(width: u32, height: u32, duration: f64, frame_rate: f64) -> ProbeReport {
        ProbeReport {
            info: MediaInfo {
                duration,
                width,
                height,
                has_audio: true,
            },
            frame_rate,
            container: "mov,mp4".into(),
        }
    }

    #[test]
    fn each_limit_is_named_with_what_the_clip_has() {
        let limits = MediaLimits::default();
        assert_eq!(limits.check(&clip(4096, 2160, 600.0, 120.0)), Ok(()));
        let big = limits.check(&clip(7680, 4320, 5.0, 30.0)).unwrap_err();
        assert_eq!(
            big.to_string(),
            "the video is 7680×4320 pixels; the largest accepted is 4096×4096"
        );
        assert!(matches!(
            limits.check(&clip(1080, 1920, 601.0, 30.0)),
            Err(OverLimit::Duration { .. })
        ));
        assert!(matches!(
            limits.check(&clip(1080, 1920, 5.0, 240.0)),
            Err(OverLimit::FrameRate { .. })
        ));
        let tight = MediaLimits {
            max_width: 1920,
            ..MediaLimits::default()
        };
        assert!(tight.check(&clip(1921, 1080, 5.0, 30.0)).is_err());
    }
}

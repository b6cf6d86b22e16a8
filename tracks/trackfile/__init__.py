"""Track files: the YAML format of docs/track-format.md, read and written.

`import_track_files` validates every file completely before writing anything, then writes all
of them in one transaction, so a bad file never leaves a half-imported track behind.
`export_track` writes the same format; export, import, export gives the same bytes.

Other apps add optional sections to each phase (the Learning Center's `quiz` and `deck`, later
`gate` and `rubric`) with `register_phase_section` from their AppConfig.ready(), so this module
never imports them.
"""

from tracks.trackfile.export import dump_yaml, export_track
from tracks.trackfile.importing import (
    ImportResult,
    import_track_files,
    import_track_specs,
    write_in_place,
)
from tracks.trackfile.reading import key_action_keys, parse_track_file
from tracks.trackfile.spec import (
    FORMAT_VERSION,
    PhaseSection,
    RetireRefused,
    Slug,
    Text,
    TrackFile,
    TrackFileError,
    _Strict,
    phase_sections,
    register_phase_section,
)

__all__ = [
    "FORMAT_VERSION",
    "ImportResult",
    "PhaseSection",
    "RetireRefused",
    "Slug",
    "Text",
    "TrackFile",
    "TrackFileError",
    "_Strict",
    "dump_yaml",
    "export_track",
    "import_track_files",
    "import_track_specs",
    "key_action_keys",
    "parse_track_file",
    "phase_sections",
    "register_phase_section",
    "write_in_place",
]

"""The themes bundled with sitegen; each folder holds templates/ and static/."""

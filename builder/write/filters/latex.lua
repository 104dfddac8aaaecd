-- Shared by the built-in renderer's filters (loaded with dofile): Quarto's vocabulary, and
-- small helpers for pandoc's LaTeX writer.
local M = {}

-- Quarto's vocabulary (builder/vocabulary.json): numbered kinds, unnumbered blocks, callouts
local here = pandoc.path.directory(PANDOC_SCRIPT_FILE)
-- (with the document's words, lang: and crossref:, when typeset.py passes that copy)
local file = io.open(os.getenv("BUILDER_VOCABULARY") or pandoc.path.join({here, "..", "..", "vocabulary.json"}))
M.VOCABULARY = pandoc.json.decode(file:read("a"), false)
file:close()
-- reference prefix -> the word Quarto's references use ("<name> 1", "<name> 3.1"), and the
-- theorem kinds' LaTeX environments (declared by builder/vocabulary.py's preamble)
M.KINDS, M.THEOREM_ENVS = {}, {}
for prefix, kind in pairs(M.VOCABULARY.crossref) do
  M.KINDS[prefix] = kind.prefix or kind.name
  M.THEOREM_ENVS[prefix] = kind.env
end

function M.raw(s) return pandoc.RawInline("latex", s) end
function M.rawblock(s) return pandoc.RawBlock("latex", s) end

-- An attribute's Markdown (a callout's title=, a caption, fig-scap) read as inlines.
function M.read_inlines(text)
  return pandoc.utils.blocks_to_inlines(pandoc.read(text, "markdown").blocks)
end

-- Inlines as LaTeX source.
function M.latex_of(inlines)
  return pandoc.write(pandoc.Pandoc({pandoc.Plain(inlines)}), "latex"):gsub("%s+$", "")
end

-- Footnotes in `list` (blocks or inlines): each mark stays (\footnotemark), the texts are
-- returned as \footnotetext blocks to set after the box or float that holds them (inside
-- a box LaTeX sets them at its bottom, inside a caption it fails), as Quarto does.
function M.lift_notes(list)
  local texts = pandoc.List()
  local out = list:walk({Note = function(note)
    local text = pandoc.write(pandoc.Pandoc(note.content), "latex"):gsub("%s+$", "")
    texts:insert(M.rawblock("\\footnotetext{" .. text .. "}"))
    return M.raw("\\footnotemark{}")
  end})
  return out, texts
end

-- A leading "## Title" inside a div is the block's title (removed from the div): its
-- inlines (so that citeproc, after the filters, still sees its citations).
function M.take_title(div)
  local first = div.content[1]
  if first and first.t == "Header" then
    table.remove(div.content, 1)
    return first.content
  end
end

-- Quarto's wording: the kind's name and number; `[see @fig-x]` and `[see -@fig-x]` "see 1" (the prefix
-- instead of the name);
-- `[-@fig-x]` "1"; the suffix of `[@fig-x, p. 2]` dropped; `@Fig-x` names fig-x, its prefix
-- capitalised.
function M.reference(cite)
  local out = {}
  for i, citation in ipairs(cite.citations) do
    local kind = citation.id:match("^(%a+)%-")
    if not (kind and M.KINDS[kind:lower()]) then return nil end  -- a bibliography citation
    local id = kind:lower() .. citation.id:sub(#kind + 1)
    local number = "\\ref{" .. id .. "}"  -- as Quarto: the link is the number only
    local prefix = M.KINDS[kind:lower()]
    if kind:match("^%u") then  -- @Fig-x: the prefix capitalised, as Quarto's refPrefix
      prefix = pandoc.text.upper(pandoc.text.sub(prefix, 1, 1)) .. pandoc.text.sub(prefix, 2)
    end
    local words = (#prefix > 0 and prefix .. "~" or "") .. number  -- `eq-prefix: ""`
    if #citation.prefix > 0 then  -- also `[Eq. -@eq-x]`: "Eq. 1"
      words = M.latex_of(citation.prefix) .. "~" .. number
    elseif citation.mode == "SuppressAuthor" then
      words = number
    end
    if i > 1 then table.insert(out, pandoc.Str(", ")) end
    table.insert(out, M.raw(words))
  end
  return out
end

return M

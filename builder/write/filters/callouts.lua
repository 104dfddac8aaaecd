-- Callouts (the vocabulary's kinds: .callout-note, ...) as Quarto draws them in
-- a PDF: the title from title= or a leading heading, icon=false, appearance
-- default/simple/minimal; collapse has no effect on paper; a footnote's text goes after the box;
-- #nte-x (the vocabulary's callout prefixes) numbers it.  A callout inside another is
-- set as Quarto sets it: a quote headed by its title (or its kind's) in bold, no box.
-- Colours: builder/vocabulary.py.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

-- callout type -> title and Font Awesome 5 icon
local CALLOUTS = latex.VOCABULARY.callouts

local callout

local function kind(div)
  for _, class in ipairs(div.classes) do
    local ctype = class:match("^callout%-(%a+)$")
    if ctype then return ctype end
  end
end

local function nested(div)  -- the callouts inside `div`, as quotes
  div.content = div.content:walk({Div = function(inner)
    local ctype = kind(inner)
    if ctype then return callout(inner, ctype, true) end
  end})
end

function callout(div, ctype, inside)
  local title = div.attributes["title"]
  if title and title ~= "" then  -- title="": the kind's own title, as in Quarto
    local inlines = latex.read_inlines(title)
    title = latex.latex_of(inlines:walk({Cite = latex.reference}))  -- read after crossref.lua
  else  -- as LaTeX: a citation stays as written, as in Quarto's callout titles
    title = latex.take_title(div)
    title = title and latex.latex_of(title)  -- its footnote stays in it, as Quarto's
  end
  local notes = pandoc.List()  -- a footnote's text after the box (latex.lift_notes)
  if not inside then div.content, notes = latex.lift_notes(div.content) end
  local prefix = div.identifier:match("^(%a+)%-")
  local numbered = prefix and latex.VOCABULARY.crossref[prefix]
  if numbered and numbered.callout then  -- #nte-x: titled with its name and number, as Quarto
    local name = numbered.name .. " \\ref*{" .. div.identifier .. "}"
    title = title and (name .. latex.VOCABULARY.titles.delim .. " " .. title) or name
    div.content:insert(1, latex.rawblock("\\quartocallout" .. prefix .. "{" .. div.identifier .. "}"))
  end
  if inside then
    local head = "\\begin{quote}\n\\textbf{" .. (title or (CALLOUTS[ctype] or CALLOUTS.note).title) .. "}"
    return pandoc.List({latex.rawblock(head)}) .. div.content .. {latex.rawblock("\\end{quote}")}
  end
  nested(div)
  local appearance = div.attributes["appearance"] or "default"
  local icon = div.attributes["icon"] ~= "false" and CALLOUTS[ctype] and CALLOUTS[ctype].icon
  local colour = CALLOUTS[ctype] and ("callout-" .. ctype) or "callout-note"
  if appearance == "default" then
    title = title or (CALLOUTS[ctype] or CALLOUTS.note).title
    local head = (icon and ("\\textcolor{" .. colour .. "}{" .. icon .. "}\\hspace{0.5em}") or "")
      .. "{" .. title .. "}"
    head = latex.rawblock("\\begin{calloutdefault}{" .. colour .. "}{" .. head .. "}")
    return pandoc.List({head}) .. div.content .. {latex.rawblock("\\end{calloutdefault}")} .. notes
  end
  local heading = title and latex.rawblock("\\vspace{-3mm}\\textbf{" .. title .. "}\\vspace{3mm}")
  local beside = appearance == "simple" and icon  -- the icon in a column of its own
  local blocks = pandoc.List({latex.rawblock("\\begin{calloutplain}{" .. colour .. "}")})
  if beside then
    blocks:insert(latex.rawblock("\\begin{minipage}[t]{5.5mm}\n\\textcolor{" .. colour .. "}{"
      .. icon .. "}\n\\end{minipage}%\n\\begin{minipage}[t]{\\textwidth - 5.5mm}"))
  end
  if heading then blocks:insert(heading) end
  blocks:extend(div.content)
  if beside then blocks:insert(latex.rawblock("\\end{minipage}%")) end
  blocks:insert(latex.rawblock("\\end{calloutplain}"))
  return blocks .. notes
end

return {{  -- from the outside in: the callouts inside one are its to set
  traverse = "topdown",
  Div = function(div)
    local ctype = kind(div)
    if ctype then return callout(div, ctype), false end
  end,
}}

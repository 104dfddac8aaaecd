-- The Quarto subset the built-in renderer supports, for pandoc's LaTeX writer (behaviour
-- checked against Quarto 1.10's PDF output): @fig-/@tbl-/@eq-/@sec- and theorem references
-- worded "Equation 1", "Theorem 3.1"; $$ ... $$ {#eq-x}; theorem-like divs of every Quarto
-- kind (thm lem cor prp cnj def exm exr rem sol) and .proof/.remark/.solution; callouts with
-- title=, icon=false, appearance; figure divs with sub-figures and layout-ncol/layout-nrow;
-- table captions ending in {#tbl-x}; and the build's own code-output blocks.

local KINDS = {fig = "Figure", tbl = "Table", eq = "Equation", sec = "Section"}
-- Quarto's theorem kinds (label prefix -> LaTeX environment and name); preamble.tex
-- declares the environments as Quarto does (numbered within sections, one counter each).
local ENVS = {thm = "theorem", lem = "lemma", cor = "corollary", prp = "proposition",
              cnj = "conjecture", def = "definition", exm = "example", exr = "exercise",
              rem = "refremark", sol = "refsolution"}
local NAMES = {thm = "Theorem", lem = "Lemma", cor = "Corollary", prp = "Proposition",
               cnj = "Conjecture", def = "Definition", exm = "Example", exr = "Exercise",
               rem = "Remark", sol = "Solution"}
for k, v in pairs(NAMES) do KINDS[k] = v end
-- unnumbered blocks, by class
local PLAIN_BLOCKS = {proof = "proof", remark = "remark", solution = "solution"}
-- callout type -> Font Awesome 5 icon (colours are defined in preamble.tex)
local CALLOUT_ICONS = {note = "\\faInfo", tip = "\\faLightbulb", warning = "\\faExclamationTriangle",
                       important = "\\faExclamation", caution = "\\faFire"}

local function raw(s) return pandoc.RawInline("latex", s) end
local function rawblock(s) return pandoc.RawBlock("latex", s) end
local function latex_of(inlines)
  return pandoc.write(pandoc.Pandoc({pandoc.Plain(inlines)}), "latex"):gsub("%s+$", "")
end

function Cite(cite)
  local out = {}
  for i, citation in ipairs(cite.citations) do
    local kind = citation.id:match("^(%a+)%-")
    if not (kind and KINDS[kind]) then return nil end
    local number = "\\ref*{" .. citation.id .. "}"
    if i > 1 then table.insert(out, pandoc.Str(", ")) end
    table.insert(out, raw("\\hyperref[" .. citation.id .. "]{" .. KINDS[kind] .. "~" .. number .. "}"))
  end
  return out
end

-- $$ ... $$ {#eq-x}: pandoc reads the label as text after the display math.
local function label_equations(inlines)
  local out, i = pandoc.List(), 1
  while i <= #inlines do
    local el = inlines[i]
    if el.t == "Math" and el.mathtype == "DisplayMath" then
      local j = i + 1
      while inlines[j] and (inlines[j].t == "Space" or inlines[j].t == "SoftBreak") do j = j + 1 end
      local label = inlines[j] and inlines[j].t == "Str" and inlines[j].text:match("^{#(eq%-[%w%-_]+)}$")
      if label then
        out:insert(raw("\\begin{equation}\\label{" .. label .. "}" .. el.text .. "\\end{equation}"))
        i = j + 1
      else
        out:insert(el)
        i = i + 1
      end
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

function Para(el) el.content = label_equations(el.content); return el end
function Plain(el) el.content = label_equations(el.content); return el end

-- A leading "## Title" inside a div is the block's title.
local function take_title(div)
  local first = div.content[1]
  if first and first.t == "Header" then
    table.remove(div.content, 1)
    return latex_of(first.content)
  end
  return nil
end

-- The sub-figures of a figure div: images with an id, alone (pandoc Figure) or in a paragraph.
local function subfigures(blocks)
  local subs = pandoc.List()
  for _, b in ipairs(blocks) do
    if b.t == "Figure" then
      local image
      b.content:walk({Image = function(i) image = i end})
      local id = b.identifier ~= "" and b.identifier or (image and image.identifier) or ""
      if image and id ~= "" then
        subs:insert({image = image, id = id, caption = pandoc.utils.blocks_to_inlines(b.caption.long)})
      end
    elseif b.t == "Para" or b.t == "Plain" then
      for _, il in ipairs(b.content) do
        if il.t == "Image" and il.identifier ~= "" then
          subs:insert({image = il, id = il.identifier, caption = il.caption})
        end
      end
    end
  end
  return subs
end

-- Sub-figures side by side: layout-ncol columns (or enough for layout-nrow rows), as Quarto.
local function subfigure_blocks(div, subs)
  local ncol = tonumber(div.attributes["layout-ncol"])
  local nrow = tonumber(div.attributes["layout-nrow"])
  if not ncol then ncol = nrow and math.ceil(#subs / nrow) or 1 end
  local width = string.format("%.2f", 1 / ncol)
  local parts = {}
  for i, sub in ipairs(subs) do
    local image = sub.image:clone()
    image.identifier, image.caption = "", {}
    table.insert(parts, "\\begin{minipage}[t]{" .. width .. "\\linewidth}\\centering\n" .. latex_of({image})
      .. "\n\\subcaption{\\label{" .. sub.id .. "}" .. latex_of(sub.caption) .. "}\n\\end{minipage}%")
    if i % ncol == 0 and i < #subs then table.insert(parts, "\\par\\medskip") end
  end
  -- one raw block: a blank line between two minipages would stack them
  return pandoc.List({rawblock(table.concat(parts, "\n"))})
end

-- ::: {#fig-x} / ::: {#tbl-x} around a chunk or images: the float, the last paragraph the caption.
local function float_div(div, kind)
  local last = div.content[#div.content]
  if not (last and (last.t == "Para" or last.t == "Plain")) then
    error("the float " .. div.identifier .. " needs a caption as its last paragraph")
  end
  div.content:remove(#div.content)
  if kind == "tbl" then
    local found = false
    div.content = div.content:walk({Table = function(tbl)
      if found then return nil end
      found = true
      local caption = pandoc.List(last.content)
      caption:insert(raw("\\label{" .. div.identifier .. "}"))
      tbl.caption.long = {pandoc.Plain(caption)}
      return tbl
    end})
    if not found then error("the float " .. div.identifier .. " contains no table") end
    return div.content
  end
  local blocks = pandoc.List({rawblock("\\begin{figure}[H]\\centering")})
  local subs = subfigures(div.content)
  if #subs > 0 then blocks:extend(subfigure_blocks(div, subs)) else blocks:extend(div.content) end
  blocks:insert(rawblock("\\caption{\\label{" .. div.identifier .. "}" .. latex_of(last.content) .. "}\n\\end{figure}"))
  return blocks
end

-- Callouts as Quarto draws them in a PDF: title= or a leading heading, icon=false,
-- appearance default/simple/minimal; collapse has no effect on paper.
local function callout(div, ctype)
  local title = div.attributes["title"]
  if title then
    title = latex_of(pandoc.utils.blocks_to_inlines(pandoc.read(title, "markdown").blocks))
  else
    title = take_title(div)
  end
  local appearance = div.attributes["appearance"] or "default"
  local icon = div.attributes["icon"] ~= "false" and CALLOUT_ICONS[ctype]
  local colour = CALLOUT_ICONS[ctype] and ("callout-" .. ctype) or "callout-note"
  local blocks = pandoc.List()
  if appearance == "default" then
    title = title or (ctype:sub(1, 1):upper() .. ctype:sub(2))
    local head = (icon and ("\\textcolor{" .. colour .. "}{" .. icon .. "}\\hspace{0.5em}") or "") .. "{" .. title .. "}"
    blocks:insert(rawblock("\\begin{calloutdefault}{" .. colour .. "}{" .. head .. "}"))
    blocks:extend(div.content)
    blocks:insert(rawblock("\\end{calloutdefault}"))
    return blocks
  end
  local heading = title and rawblock("\\vspace{-3mm}\\textbf{" .. title .. "}\\vspace{3mm}") or nil
  blocks:insert(rawblock("\\begin{calloutplain}{" .. colour .. "}"))
  if appearance == "simple" and icon then
    blocks:insert(rawblock("\\begin{minipage}[t]{5.5mm}\n\\textcolor{" .. colour .. "}{" .. icon .. "}\n\\end{minipage}%\n\\begin{minipage}[t]{\\textwidth - 5.5mm}"))
    if heading then blocks:insert(heading) end
    blocks:extend(div.content)
    blocks:insert(rawblock("\\end{minipage}%"))
  else
    if heading then blocks:insert(heading) end
    blocks:extend(div.content)
  end
  blocks:insert(rawblock("\\end{calloutplain}"))
  return blocks
end

function Div(div)
  local kind = div.identifier:match("^(%a+)%-")
  if kind == "fig" or kind == "tbl" then return float_div(div, kind) end
  if kind and ENVS[kind] then
    local title = take_title(div)
    local open = "\\begin{" .. ENVS[kind] .. "}" .. (title and ("[" .. title .. "]") or "")
    local blocks = pandoc.List({rawblock(open .. "\\label{" .. div.identifier .. "}")})
    blocks:extend(div.content)
    blocks:insert(rawblock("\\end{" .. ENVS[kind] .. "}"))
    return blocks
  end
  for _, class in ipairs(div.classes) do
    local env = PLAIN_BLOCKS[class]
    if env then
      local title = take_title(div)
      local blocks = pandoc.List({rawblock("\\begin{" .. env .. "}" .. (title and ("[" .. title .. "]") or ""))})
      blocks:extend(div.content)
      local last = blocks[#blocks]
      if env == "proof" and (last.t == "Para" or last.t == "Plain") then
        -- as Quarto: \end{proof} right after the last line, so the QED mark ends that line
        last.content:insert(pandoc.RawInline("latex", "\n\\end{proof}"))
      else
        blocks:insert(rawblock("\\end{" .. env .. "}"))
      end
      return blocks
    end
    local ctype = class:match("^callout%-(%a+)$")
    if ctype then return callout(div, ctype) end
  end
  return nil
end

-- ": Caption {#tbl-x}" under a table.
function Table(tbl)
  local blocks = tbl.caption.long
  local last = blocks[#blocks]
  if last and last.content and #last.content > 0 then
    local tail = last.content[#last.content]
    local label = tail.t == "Str" and tail.text:match("^{#(tbl%-[%w%-_]+)}$")
    if label then
      last.content:remove(#last.content)
      while #last.content > 0 and last.content[#last.content].t == "Space" do
        last.content:remove(#last.content)
      end
      tbl.identifier = label
    end
  end
  if tbl.identifier:match("^tbl%-") and last and last.content then
    last.content:insert(raw("\\label{" .. tbl.identifier .. "}"))
    tbl.identifier = ""
  end
  return tbl
end

-- Outputs of code chunks: wrapped verbatim, never running off the page.
function CodeBlock(block)
  for _, class in ipairs({"output", "stderr"}) do
    if block.classes:includes(class) then
      local env = class == "output" and "OutputBlock" or "StderrBlock"
      return rawblock("\\begin{" .. env .. "}\n" .. block.text .. "\n\\end{" .. env .. "}")
    end
  end
  return nil
end
